// The client's behaviour against a scripted server: consent before anything is sent, opt-out, collection levels,
// the breadcrumb ring buffer, captureError, the uncaught-exception handler, the state flow, and span parents
// through coroutines.
package dev.remotediagnostics.sdk

import dev.remotediagnostics.sdk.support.SESSION_ID
import dev.remotediagnostics.sdk.support.ScriptedServer
import dev.remotediagnostics.sdk.support.WireContract
import dev.remotediagnostics.sdk.support.idleConfig
import dev.remotediagnostics.sdk.support.sessionConfig
import dev.remotediagnostics.sdk.support.testClient
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

class ClientTest {
    private val server = ScriptedServer()

    @AfterEach
    fun close() = server.close()

    private fun JsonObject.text(name: String) = this[name]?.jsonPrimitive?.content

    @Test
    fun `asks for consent, records the answer, and collects only after the yes is stored`() = runBlocking {
        server.config(sessionConfig(consentRequired = true, consentStatus = "pending"))
        val answer = CompletableDeferred<Boolean>()
        val asked = CompletableDeferred<ConsentRequest>()
        val test = testClient(server) { options ->
            options.copy(onConsentRequest = { request ->
                asked.complete(request)
                answer.await()
            })
        }
        test.client.start()
        assertEquals(SESSION_ID, asked.await().sessionId)
        assertEquals(CollectionLevel.DEBUG, asked.await().collectionLevel)
        test.client.info("before the answer")
        assertFalse(test.client.state.value.collecting)
        assertEquals(ConsentStatus.PENDING, test.client.state.value.consent)

        answer.complete(true)
        test.client.consentSettled()
        val consent = server.to("/api/diagnostics/sessions/$SESSION_ID/consent").single()
        val body = consent.body!!.utf8()
        WireContract.assertValid("consent-body", body)
        assertEquals("true", (Json.parseToJsonElement(body) as JsonObject).text("granted"))
        assertEquals("Bearer it1.test.signature", consent.headers["authorization"])
        assertTrue(test.client.state.value.collecting)
        assertEquals(ConsentStatus.GRANTED, test.client.state.value.consent)

        test.client.info("after the answer")
        test.client.flush()
        assertEquals(listOf("after the answer"), server.itemsOfKind("log").map { it.text("message") })
        test.client.stop()
    }

    @Test
    fun `a yes the server did not store is sent again on the next poll, without asking again`() = runBlocking {
        server.config(sessionConfig(consentRequired = true, consentStatus = "pending"))
        server.consentStatus(503)
        var asked = 0
        val test = testClient(server) { it.copy(onConsentRequest = { asked++; true }) }
        test.client.start()
        test.client.consentSettled()
        assertFalse(test.client.state.value.collecting, "not collecting until the yes is stored")
        test.runtime.advance(5_000)
        test.client.consentSettled()
        assertEquals(1, asked)
        assertEquals(2, server.to("/api/diagnostics/sessions/$SESSION_ID/consent").size)
        assertTrue(test.client.state.value.collecting)
        test.client.stop()
    }

    @Test
    fun `items captured for one session are never sent to the next one`() = runBlocking {
        server.config(sessionConfig())
        val test = testClient(server)
        test.client.start()
        test.client.info("for the first session")
        val next = "ds_00000000-0000-4000-8000-000000000002"
        server.config(sessionConfig(sessionId = next))
        test.runtime.advance(5_000)
        test.client.info("for the second session")
        test.client.flush()
        val bySession = server.batches().groupBy({ it["sessionId"]!!.jsonPrimitive.content }) { batch ->
            (batch["items"] as kotlinx.serialization.json.JsonArray).map { (it as JsonObject).text("message") }
        }.mapValues { it.value.flatten() }
        assertEquals(mapOf(SESSION_ID to listOf("for the first session"), next to listOf("for the second session")), bySession)
        test.client.stop()
    }

    @Test
    fun `a no is recorded and nothing is sent, and without a callback nothing is collected`() = runBlocking {
        server.config(sessionConfig(consentRequired = true, consentStatus = "pending"))
        val test = testClient(server) { it.copy(onConsentRequest = { false }) }
        test.client.start()
        test.client.consentSettled()
        test.client.info("never")
        test.client.flush()
        assertEquals("false", (Json.parseToJsonElement(server.to("/api/diagnostics/sessions/$SESSION_ID/consent").single().body!!.utf8()) as JsonObject).text("granted"))
        assertEquals(ConsentStatus.DENIED, test.client.state.value.consent)

        val silent = testClient(server) { it.copy(identity = DeviceIdentity(deviceId = "device-2")) }
        silent.client.start()
        silent.client.consentSettled()
        silent.client.info("never either")
        silent.client.flush()
        assertFalse(silent.client.isSessionActive)
        assertEquals(0, server.to("/api/diagnostics/ingest").size)
        test.client.stop()
        silent.client.stop()
    }

    @Test
    fun `opting out drops what is buffered and sends nothing more, opting in again resumes`() = runBlocking {
        server.config(sessionConfig())
        val test = testClient(server)
        test.client.start()
        test.client.info("buffered, then dropped")
        test.client.breadcrumb("crumb")
        test.client.setOptedOut(true)
        assertTrue(test.client.state.value.optedOut)
        test.client.info("while opted out")
        test.client.breadcrumb("while opted out")
        test.client.flush()
        assertEquals(0, server.to("/api/diagnostics/ingest").size)
        assertEquals(0, test.client.stats().breadcrumbsBuffered)

        test.client.setOptedOut(false)
        test.client.info("back")
        test.client.flush()
        assertEquals(listOf("back"), server.itemsOfKind("log").map { it.text("message") })
        test.client.stop()
    }

    @Test
    fun `the collection level sets the lowest log level sent`() = runBlocking {
        server.config(sessionConfig(collectionLevel = "standard"))
        val test = testClient(server)
        test.client.start()
        for (level in LogLevel.entries) test.client.log(level, "at ${level.wire}")
        test.client.flush()
        assertEquals(listOf("info", "warn", "error", "fatal"), server.itemsOfKind("log").map { it.text("level") })
        test.client.stop()
    }

    @Test
    fun `logger output is kept only with capture console on, at the console threshold`() = runBlocking {
        val withConsole = """{"logs":true,"traces":true,"breadcrumbs":true,"network":false,"console":true,"screenshots":false,"screenshotOnError":false}"""
        server.config(sessionConfig(collectionLevel = "debug", capture = withConsole))
        val test = testClient(server)
        test.client.start()
        val logger = java.util.logging.Logger.getLogger("checkout.test")
        logger.useParentHandlers = false
        logger.level = java.util.logging.Level.ALL
        val handler = test.client.logHandler()
        logger.addHandler(handler)
        try {
            logger.fine("cache miss")
            logger.info("loaded {0} items")
            logger.log(java.util.logging.Level.WARNING, "slow answer from {0}", "payments")
            logger.log(java.util.logging.Level.SEVERE, "failed", IllegalStateException("boom"))
        } finally {
            logger.removeHandler(handler)
        }
        test.client.flush()
        val logs = server.itemsOfKind("log")
        assertEquals(listOf("info" to "loaded {0} items", "warn" to "slow answer from payments", "error" to "failed"), logs.map { it.text("level") to it.text("message") })
        assertTrue(logs.all { it.text("module") == "console" && (it["context"] as JsonObject).text("logger") == "checkout.test" })
        assertEquals("java.lang.IllegalStateException", (logs.last()["error"] as JsonObject).text("type"))

        // The session's default capture leaves console off: nothing of the logger is kept.
        server.config(sessionConfig(sessionId = "ds_00000000-0000-4000-8000-000000000002"))
        test.runtime.advance(5_000)
        test.client.consoleLog(LogLevel.ERROR, "not kept")
        test.client.flush()
        assertEquals(3, server.itemsOfKind("log").size)
        test.client.stop()
    }

    @Test
    fun `the last 100 breadcrumbs are kept without a session and sent when one starts`() = runBlocking {
        server.config(idleConfig(pollIntervalSeconds = 5))
        val test = testClient(server)
        test.client.start()
        repeat(130) { test.client.breadcrumb("step $it", "navigation") }
        test.client.flush()
        assertEquals(0, server.to("/api/diagnostics/ingest").size)
        assertEquals(100, test.client.stats().breadcrumbsBuffered)

        server.config(sessionConfig())
        test.runtime.advance(5_000)
        test.client.breadcrumb("after the start")
        test.client.flush()
        val messages = server.itemsOfKind("breadcrumb").map { it.text("message") }
        assertEquals((30 until 130).map { "step $it" } + "after the start", messages)
        test.client.stop()
    }

    @Test
    fun `captureError sends the error once with its stack, device state, and flushes at once`() = runBlocking {
        server.config(sessionConfig())
        val test = testClient(server) { it.copy(deviceState = { DeviceState(memoryMb = 300.0, batteryPercent = 12, thermal = "severe") }) }
        test.client.start()
        val error = IllegalStateException("checkout broke")
        test.client.captureError(error, mapOf("orderId" to "ORD-1"))
        test.client.captureError(error)
        test.client.flush()
        val logs = server.itemsOfKind("log")
        val log = logs.single()
        assertEquals("error", log.text("level"))
        val described = log["error"] as JsonObject
        assertEquals("java.lang.IllegalStateException", described.text("type"))
        assertTrue(described.text("stack")!!.contains("ClientTest"))
        val context = log["context"] as JsonObject
        assertEquals("ORD-1", context.text("orderId"))
        assertEquals("severe", (context["device"] as JsonObject).text("thermal"))
        assertTrue(server.itemsOfKind("breadcrumb").any { it.text("category") == "error" })
        test.client.stop()
    }

    @Test
    fun `the uncaught-exception handler records a fatal error, flushes, and hands the crash on`() = runBlocking {
        server.config(sessionConfig())
        val handedOn = CompletableFuture<Throwable>()
        val previous = Thread.getDefaultUncaughtExceptionHandler()
        val appHandler = Thread.UncaughtExceptionHandler { _, error -> handedOn.complete(error) }
        Thread.setDefaultUncaughtExceptionHandler(appHandler)
        try {
            val test = testClient(server) { it.copy(captureUncaught = true) }
            test.client.start()
            val crash = IllegalArgumentException("fatal on a worker")
            val worker = Thread({ throw crash }, "worker-7")
            worker.start()
            worker.join()
            assertSame(crash, handedOn.get(5, TimeUnit.SECONDS))
            val log = server.itemsOfKind("log").single()
            assertEquals("fatal", log.text("level"))
            assertEquals("worker-7", (log["context"] as JsonObject).text("thread"))
            // Counted as a crash signal too, as the series and alerts count crashes whether a session runs or not.
            val counter = ((server.signalBatches().single().second["counters"] as kotlinx.serialization.json.JsonArray).single() as JsonObject)
            assertEquals(listOf("crashes", errorFingerprint(crash)), listOf(counter.text("series"), counter.text("fingerprint")))
            test.client.stop()
            assertSame(appHandler, Thread.getDefaultUncaughtExceptionHandler(), "stop puts the app's handler back")
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous)
        }
    }

    @Test
    fun `spans nest through coroutines, async children and blocking code, and logs carry their ids`() = runBlocking {
        server.config(sessionConfig())
        val test = testClient(server)
        test.client.start()
        val client = test.client
        val root = client.trace("checkout") { span ->
            listOf(
                async(Dispatchers.Default) { client.trace("price") { it.context } },
                async(Dispatchers.IO) { client.trace("stock") { it.context } },
            ).awaitAll()
            withContext(Dispatchers.IO) { client.traceBlocking("persist") { client.info("saved") } }
            launch { client.trace("receipt") { } }.join()
            span.setAttribute("order.id", "ORD-1")
            span.context
        }
        val failing = assertThrows<IllegalStateException> {
            runBlocking { client.trace("pay") { throw IllegalStateException("card declined") } }
        }
        assertEquals("card declined", failing.message)
        client.flush()
        val spans = server.itemsOfKind("span").associateBy { it.text("name") }
        assertEquals(setOf("checkout", "price", "stock", "persist", "receipt", "pay"), spans.keys)
        for (child in listOf("price", "stock", "persist", "receipt")) {
            assertEquals(root.traceId, spans[child]!!.text("traceId"), child)
            assertEquals(root.spanId, spans[child]!!.text("parentSpanId"), child)
        }
        assertNull(spans["checkout"]!!.text("parentSpanId"))
        assertEquals("ok", (spans["checkout"]!!["status"] as JsonObject).text("code"))
        assertEquals("error", (spans["pay"]!!["status"] as JsonObject).text("code"))
        val saved = server.itemsOfKind("log").single { it.text("message") == "saved" }
        assertEquals(spans["persist"]!!.text("spanId"), saved.text("spanId"))
        val declined = server.itemsOfKind("log").single { it.text("level") == "error" }
        assertEquals(spans["pay"]!!.text("spanId"), declined.text("spanId"))
        assertTrue(root.traceId.matches(Regex("[0-9a-f]{32}")) && root.spanId.matches(Regex("[0-9a-f]{16}")))
        test.client.stop()
    }

    @Test
    fun `the state flow follows the session from idle to collecting to paused`() = runBlocking {
        server.config(idleConfig(pollIntervalSeconds = 5))
        val test = testClient(server)
        assertFalse(test.client.state.value.started)
        test.client.start()
        assertEquals(DiagnosticsState(started = true), test.client.state.value)
        server.config(sessionConfig(collectionLevel = "trace"))
        test.runtime.advance(5_000)
        val collecting = test.client.state.value
        assertTrue(collecting.collecting)
        assertEquals(SESSION_ID, collecting.sessionId)
        assertEquals(CollectionLevel.TRACE, collecting.collectionLevel)
        server.config(sessionConfig(status = "paused"))
        test.runtime.advance(5_000)
        assertTrue(test.client.state.value.paused)
        assertFalse(test.client.state.value.collecting)
        test.client.info("while paused")
        test.client.flush()
        assertEquals(0, server.to("/api/diagnostics/ingest").size)
        test.client.stop()
        assertFalse(test.client.state.value.started)
    }

    @Test
    fun `a lifecycle foreground re-checks for a session and a background flushes`() = runBlocking {
        server.config(sessionConfig())
        val lifecycle = ManualLifecycle()
        val test = testClient(server) { it.copy(lifecycle = lifecycle) }
        test.client.start()
        test.client.info("pending")
        lifecycle.emit(LifecycleEvent.BACKGROUND)
        waitUntil { server.to("/api/diagnostics/ingest").isNotEmpty() }
        test.runtime.advance(4_000)
        lifecycle.emit(LifecycleEvent.FOREGROUND)
        Thread.sleep(100)
        assertEquals(1, server.configPolls().size, "too soon: the poll interval has not passed")
        test.client.stop()
    }

    private fun waitUntil(condition: () -> Boolean) {
        val deadline = System.nanoTime() + 5_000_000_000
        while (!condition()) {
            assertTrue(System.nanoTime() < deadline, "timed out")
            Thread.sleep(10)
        }
    }

    @Test
    fun `the screenshot source is used only when the session asks, at most once per 10 s`() = runBlocking {
        server.config(sessionConfig())
        var captures = 0
        val test = testClient(server) { it.copy(screenshots = { captures++; null }) }
        test.client.start()
        assertNull(test.client.takeScreenshot())
        assertEquals(0, captures, "the session does not capture screenshots")
        test.client.stop()
    }
}
