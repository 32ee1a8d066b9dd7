// The sender against a scripted server on a fake clock: batches of at most 50, retries only 408/429/5xx with
// the same item ids and Retry-After honoured, and an offline buffer bounded by count and bytes, oldest dropped.
package dev.remotediagnostics.sdk

import dev.remotediagnostics.sdk.support.PRODUCT_KEY
import dev.remotediagnostics.sdk.support.SESSION_ID
import dev.remotediagnostics.sdk.support.ScriptedServer
import dev.remotediagnostics.sdk.support.sessionConfig
import dev.remotediagnostics.sdk.support.testClient
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class TransportTest {
    private val server = ScriptedServer()

    @AfterEach
    fun close() = server.close()

    private fun ids(items: List<JsonObject>) = items.map { it["id"]!!.jsonPrimitive.content }

    @Test
    fun `sends in batches of at most 50, with the ingest token and product key`() = runBlocking {
        server.config(sessionConfig())
        val test = testClient(server)
        test.client.start()
        repeat(120) { test.client.info("event $it") }
        test.client.flush()
        val batches = server.batches()
        assertEquals(120, batches.sumOf { (it["items"] as kotlinx.serialization.json.JsonArray).size })
        assertTrue(batches.all { (it["items"] as kotlinx.serialization.json.JsonArray).size <= 50 })
        val request = server.to("/api/diagnostics/ingest").first()
        assertEquals("Bearer it1.test.signature", request.headers["authorization"])
        assertEquals(PRODUCT_KEY, request.headers["x-diagnostics-key"])
        assertEquals(SESSION_ID, batches.first()["sessionId"]!!.jsonPrimitive.content)
        assertEquals((0 until 120).map { "event $it" }, server.itemsOfKind("log").map { it["message"]!!.jsonPrimitive.content })
        assertEquals(120L, test.client.stats().transport.sentItems)
        test.client.stop()
    }

    @Test
    fun `a flush interval sends what is buffered without being asked`() = runBlocking {
        server.config(sessionConfig())
        val test = testClient(server) { it.copy(flushIntervalMs = 5_000) }
        test.client.start()
        test.client.info("buffered")
        assertEquals(0, server.to("/api/diagnostics/ingest").size)
        test.runtime.advance(5_000)
        assertEquals(listOf("buffered"), server.itemsOfKind("log").map { it["message"]!!.jsonPrimitive.content })
        test.client.stop()
    }

    @Test
    fun `retries a 503 and a 429 after Retry-After, with the same item ids`() = runBlocking {
        server.config(sessionConfig())
        server.ingestStatus(503)
        server.ingestStatus(429, retryAfter = "30")
        val test = testClient(server)
        test.client.start()
        test.client.info("one")
        test.client.info("two")
        test.client.flush()
        assertEquals(1, server.to("/api/diagnostics/ingest").size)
        // The backoff after the 503 (under 1 s) only forbids sending sooner; the armed flush timer (5 s) sends.
        test.runtime.advance(4_999)
        assertEquals(1, server.to("/api/diagnostics/ingest").size)
        test.runtime.advance(1)
        assertEquals(2, server.to("/api/diagnostics/ingest").size)
        test.runtime.advance(29_000)
        assertEquals(2, server.to("/api/diagnostics/ingest").size, "Retry-After 30 s is honoured")
        test.runtime.advance(1_000)
        val batches = server.batches()
        assertEquals(3, batches.size)
        val sent = batches.map { ids((it["items"] as kotlinx.serialization.json.JsonArray).map { item -> item as JsonObject }) }
        assertEquals(sent[0], sent[1])
        assertEquals(sent[0], sent[2])
        val stats = test.client.stats().transport
        assertEquals(2L, stats.retriedBatches)
        assertEquals(2L, stats.sentItems)
        test.client.stop()
    }

    @Test
    fun `a 400 is not retried and its batch is counted as rejected`() = runBlocking {
        server.config(sessionConfig())
        server.ingestStatus(400)
        val test = testClient(server)
        test.client.start()
        test.client.info("refused")
        test.client.flush()
        test.runtime.advance(60_000)
        test.client.flush()
        assertEquals(1, server.to("/api/diagnostics/ingest").size)
        assertEquals(1L, test.client.stats().transport.rejectedItems)
        test.client.stop()
    }

    @Test
    fun `offline, the buffer keeps the newest items within its count and byte bounds`() = runBlocking {
        server.config(sessionConfig())
        val test = testClient(server) { it.copy(maxBufferedItems = 10, maxBufferedBytes = 100_000) }
        test.client.start()
        server.server.close()
        repeat(25) { test.client.info("offline $it") }
        test.client.flush()
        val stats = test.client.stats().transport
        assertEquals(10, stats.bufferedItems)
        assertEquals(15L, stats.droppedItems)
        assertTrue(stats.retriedBatches >= 1)
        assertTrue(test.errors.any { it.message!!.startsWith("ingest failed") })
        test.client.stop()
    }

    @Test
    fun `the byte bound drops the oldest items first`() = runBlocking {
        server.config(sessionConfig())
        val test = testClient(server) { it.copy(maxBufferedItems = 1_000, maxBufferedBytes = 3_000) }
        test.client.start()
        // The server is slow to come back: every batch is answered 503, so the items stay buffered.
        repeat(5) { server.ingestStatus(503) }
        val big = "x".repeat(900)
        repeat(6) { test.client.info("big $it $big") }
        test.client.flush()
        val stats = test.client.stats().transport
        assertTrue(stats.bufferedBytes <= 3_000, "buffered ${stats.bufferedBytes} bytes")
        assertTrue(stats.droppedItems >= 3, "dropped ${stats.droppedItems}")
        assertTrue(stats.droppedBytes > 0)
        // Once the server is back, the newest items are the ones that arrive.
        test.runtime.advance(300_000)
        test.client.flush()
        val sent = server.itemsOfKind("log").map { it["message"]!!.jsonPrimitive.content.substringBefore(" x") }.toSet()
        assertTrue("big 5" in sent && "big 0" !in sent, "sent $sent")
        test.client.stop()
    }
}
