// The pre-crash buffer's bounds (age, bytes, one oversized item, the frozen minute) and the crash flow against a
// scripted server on a manual clock: without a session the last minute stays on the device, an uncaught exception
// is reported as a crash signal at once (resent under the same Idempotency-Key when unconfirmed) and handed on within
// the bound, and the session a crash rule opens gets the frozen minute first, filtered by its capture flags and level;
// with a directory, also when the crash ended the process and the session comes to the app's next start.
package dev.remotediagnostics.sdk

import dev.remotediagnostics.sdk.support.ManualRuntime
import dev.remotediagnostics.sdk.support.SESSION_ID
import dev.remotediagnostics.sdk.support.ScriptedServer
import dev.remotediagnostics.sdk.support.TestClient
import dev.remotediagnostics.sdk.support.checkoutPreCrashMinute
import dev.remotediagnostics.sdk.support.idleConfig
import dev.remotediagnostics.sdk.support.sessionConfig
import dev.remotediagnostics.sdk.support.testClient
import java.io.File
import java.time.Instant
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import mockwebserver3.MockResponse
import mockwebserver3.MockWebServer
import okhttp3.OkHttpClient
import okhttp3.Request
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class CrashTest {
    private val server = ScriptedServer()
    private val upstream = MockWebServer().apply { start() }
    private val previousHandler = Thread.getDefaultUncaughtExceptionHandler()

    /** What the app's own handler (installed before the SDK's) received: the crash must always get there. */
    private val handedOn = java.util.concurrent.LinkedBlockingQueue<Throwable>()

    init {
        Thread.setDefaultUncaughtExceptionHandler { _, error -> handedOn += error }
    }

    @AfterEach
    fun close() {
        Thread.setDefaultUncaughtExceptionHandler(previousHandler)
        server.close()
        upstream.close()
    }

    /** Where a client keeps the minute frozen at a crash (the app's private files on Android). */
    @field:TempDir
    lateinit var directory: File

    private fun JsonObject.text(name: String) = this[name]?.jsonPrimitive?.content

    private fun logItem(id: String, atMs: Long, message: String = "m") = TelemetryItem(
        "log",
        id,
        buildJsonObject {
            put("kind", "log")
            put("id", id)
            put("timestamp", isoTime(atMs))
            put("level", "info")
            put("message", message)
        },
    )

    /** Throws on a worker thread, as an app's bug would, and waits until every handler has run. */
    private fun crashOnWorker(error: Throwable) {
        val worker = Thread({ throw error }, "worker-1")
        worker.start()
        worker.join()
    }

    private fun crashingClient(adjust: (DiagnosticsOptions) -> DiagnosticsOptions = { it }): TestClient =
        testClient(server) { adjust(it.copy(captureUncaught = true)) }

    @Test
    fun `the buffer keeps the last minute only`() {
        val buffer = PreCrashBuffer(windowMs = 60_000, maxBytes = 100_000)
        val start = 1_000_000L
        buffer.record(logItem("a", start), start, start)
        buffer.record(logItem("b", start + 30_000), start + 30_000, start + 30_000)
        buffer.record(logItem("c", start + 65_000), start + 65_000, start + 65_000)
        // "a" is 70 s old by now, "b" 40 s.
        val drained = buffer.drain(start + 70_000)
        assertEquals(listOf("b", "c"), drained.map { it.id })
        assertTrue(drained.all { it.toJson()["preSession"] == JsonPrimitive(true) }, "drained items are marked preSession")
        assertEquals(0, buffer.size)
        assertEquals(0L, buffer.sizeBytes)
    }

    @Test
    fun `the buffer drops the oldest first beyond its bytes, and never keeps an item larger than all of it`() {
        val one = logItem("i-0", 0).sizeBytes
        val buffer = PreCrashBuffer(windowMs = 60_000, maxBytes = one * 3)
        // Same-sized items (one timestamp), captured a millisecond apart.
        repeat(5) { index -> buffer.record(logItem("i-$index", 0), index.toLong(), index.toLong()) }
        assertEquals(3, buffer.size)
        assertTrue(buffer.sizeBytes <= one * 3)
        buffer.record(logItem("huge", 0, "x".repeat(one * 4)), 6, 6)
        assertEquals(listOf("i-2", "i-3", "i-4"), buffer.drain(7).map { it.id })
    }

    @Test
    fun `a crash freezes the minute before it, and later items do not replace it`() {
        val buffer = PreCrashBuffer(windowMs = 60_000, maxBytes = 100_000)
        buffer.record(logItem("before-1", 10_000), 10_000, 10_000)
        buffer.record(logItem("before-2", 20_000), 20_000, 20_000)
        buffer.freeze(30_000)
        buffer.record(logItem("after", 40_000), 40_000, 40_000)
        assertEquals(listOf("before-1", "before-2"), buffer.drain(50_000).map { it.id })
        // Drained once: the next session starts with nothing from before.
        assertEquals(emptyList<String>(), buffer.drain(50_000).map { it.id })
    }

    @Test
    fun `with a directory, the frozen minute is read back by the next process's buffer and goes once a session took it`() {
        val start = 1_000_000L
        val crashed = PreCrashBuffer(windowMs = 60_000, maxBytes = 100_000, FrozenMinuteFile(directory, maxAgeMs = 3_600_000))
        crashed.record(logItem("before-1", start), start, start)
        crashed.record(logItem("before-2", start + 10_000), start + 10_000, start + 10_000)
        crashed.freeze(start + 20_000)
        val file = File(directory, FrozenMinuteFile.FILE_NAME)
        assertTrue(file.isFile, "written at the crash")

        // The process ended with the crash: a new buffer, ten minutes on, over the same directory.
        val later = start + 600_000
        val next = PreCrashBuffer(windowMs = 60_000, maxBytes = 100_000, FrozenMinuteFile(directory, maxAgeMs = 3_600_000))
        next.restore(later)
        next.record(logItem("new-process", later), later, later)
        val drained = next.drain(later + 1_000)
        assertEquals(listOf("before-1", "before-2"), drained.map { it.id }, "the crash's minute, not this process's")
        assertEquals(logItem("before-1", start).toJson() + ("preSession" to JsonPrimitive(true)), drained.first().toJson())
        assertFalse(file.exists(), "gone once a session took it")
        val third = PreCrashBuffer(windowMs = 60_000, maxBytes = 100_000, FrozenMinuteFile(directory, maxAgeMs = 3_600_000))
        third.restore(later + 2_000)
        assertEquals(emptyList<String>(), third.drain(later + 2_000).map { it.id }, "sent once")
    }

    @Test
    fun `a frozen minute too old or unreadable is deleted unsent, and opting out deletes it`() {
        val frozenFile = FrozenMinuteFile(directory, maxAgeMs = 3_600_000)
        val file = File(directory, FrozenMinuteFile.FILE_NAME)
        frozenFile.write(listOf(logItem("old", 0)), frozenAtMs = 0)
        val buffer = PreCrashBuffer(windowMs = 60_000, maxBytes = 100_000, frozenFile)
        buffer.restore(3_600_001)
        assertFalse(file.exists())
        assertEquals(emptyList<String>(), buffer.drain(3_600_001).map { it.id })

        file.writeText("""{"frozenAtMs":5}""" + "\n{not json")
        buffer.restore(10)
        assertFalse(file.exists())
        assertEquals(emptyList<String>(), buffer.drain(10).map { it.id })

        frozenFile.write(listOf(logItem("private", 0)), frozenAtMs = 0)
        buffer.restore(1_000)
        buffer.clear()
        assertFalse(file.exists(), "opting out clears the buffer, the file with it")
        assertEquals(emptyList<String>(), buffer.drain(1_000).map { it.id })
    }

    @Test
    fun `a crash that ends the process, then the app's next start sends the frozen minute to the session the crash opened`() = runBlocking {
        server.config(idleConfig())
        val withDirectory = { options: DiagnosticsOptions -> options.copy(crashDirectory = directory) }
        val crashing = crashingClient(withDirectory)
        crashing.client.start()
        crashing.client.info("opened cart")
        crashing.client.breadcrumb("tapped checkout", "ui")
        crashing.runtime.advance(10_000)
        val crash = IllegalStateException("payment total was null")
        crashOnWorker(crash)
        assertSame(crash, handedOn.poll(5, TimeUnit.SECONDS))
        assertEquals(1, server.signalBatches().size, "the crash reached the rule")
        // The process is gone: that client never polls again. The crash rule opened a session for the device.
        server.config(sessionConfig(uploadPreSessionBuffer = true))

        val restarted = testClient(server, ManualRuntime(crashing.runtime.nowMs() + 120_000), withDirectory)
        restarted.client.start()
        assertTrue(restarted.client.isSessionActive)
        restarted.client.info("after the restart")
        restarted.client.flush()
        val items = server.items()
        val preSession = items.takeWhile { it["preSession"] == JsonPrimitive(true) }
        assertEquals(
            listOf(
                "log" to "opened cart",
                "breadcrumb" to "tapped checkout",
                "breadcrumb" to "java.lang.IllegalStateException: payment total was null",
                "log" to "payment total was null",
            ),
            preSession.map { it.text("kind") to it.text("message") },
            "the crashed process's minute goes first",
        )
        assertEquals("fatal", preSession.last().text("level"))
        assertEquals(listOf("after the restart"), items.drop(preSession.size).filter { it.text("kind") == "log" }.map { it.text("message") })
        assertTrue(items.drop(preSession.size).none { it["preSession"] != null })
        assertFalse(File(directory, FrozenMinuteFile.FILE_NAME).exists(), "sent, so deleted")
        assertEquals(emptyList<String>(), restarted.errors.map { it.message })
        restarted.client.stop()
    }

    @Test
    fun `an app started opted out deletes what an earlier process's crash left, unsent`() = runBlocking {
        server.config(sessionConfig(uploadPreSessionBuffer = true))
        FrozenMinuteFile(directory, maxAgeMs = 3_600_000).write(listOf(logItem("private", 0)), frozenAtMs = System.currentTimeMillis())
        File(directory, UNSENT_SIGNALS_FILE).writeText("""0123abcd {"deviceId":"device-1","counters":[],"latency":[]}""")
        val test = testClient(server) { it.copy(optedOut = true, crashDirectory = directory) }
        test.client.start()
        assertFalse(File(directory, FrozenMinuteFile.FILE_NAME).exists())
        assertFalse(File(directory, UNSENT_SIGNALS_FILE).exists())
        test.client.setOptedOut(false)
        test.runtime.advance(6_000)
        assertTrue(test.client.isSessionActive)
        test.client.flush()
        assertEquals(emptyList<JsonObject>(), server.items().filter { it["preSession"] != null })
        test.client.stop()
        assertEquals(emptyList<String>(), server.to("/api/diagnostics/signals").map { it.url.encodedPath })
    }

    @Test
    fun `a crash report the network lost at the crash is sent by the app's next start, under its key`() = runBlocking {
        server.config(idleConfig())
        server.signalsStatus(503)
        val withDirectory = { options: DiagnosticsOptions -> options.copy(crashDirectory = directory) }
        val crashing = crashingClient(withDirectory)
        crashing.client.start()
        val crash = IllegalStateException("payment total was null")
        crashOnWorker(crash)
        assertSame(crash, handedOn.poll(5, TimeUnit.SECONDS))
        val (key, batch) = server.signalBatches().single()
        assertTrue(File(directory, UNSENT_SIGNALS_FILE).isFile, "kept for the next start")

        // The process is gone; the next start sends the same batch under the same key, then nothing is left.
        val restarted = testClient(server, ManualRuntime(crashing.runtime.nowMs() + 300_000), withDirectory)
        restarted.client.start()
        val deadline = System.currentTimeMillis() + 10_000
        while (server.signalBatches().size < 2 && System.currentTimeMillis() < deadline) Thread.sleep(20)
        assertEquals(listOf(key to batch, key to batch), server.signalBatches())
        val counter = (batch["counters"] as JsonArray).single() as JsonObject
        assertEquals(errorFingerprint(crash), counter.text("fingerprint"))
        while (File(directory, UNSENT_SIGNALS_FILE).exists() && System.currentTimeMillis() < deadline) Thread.sleep(20)
        assertFalse(File(directory, UNSENT_SIGNALS_FILE).exists(), "confirmed, so deleted")
        restarted.client.stop()
        assertEquals(2, server.signalBatches().size, "sent once more, not again at stop")
        assertEquals(emptyList<String>(), restarted.errors.map { it.message })
    }

    @Test
    fun `a crash while a session collects and its items cannot be sent, then the next start sends them to that session`() = runBlocking {
        server.config(sessionConfig())
        server.ingestStatus(503)
        val withDirectory = { options: DiagnosticsOptions -> options.copy(crashDirectory = directory) }
        val crashing = crashingClient(withDirectory)
        crashing.client.start()
        assertTrue(crashing.client.isSessionActive)
        crashing.client.info("last request started")
        val crash = IllegalStateException("checkout crashed")
        crashOnWorker(crash)
        assertSame(crash, handedOn.poll(5, TimeUnit.SECONDS))
        val file = File(directory, UNSENT_ITEMS_FILE)
        assertTrue(file.isFile, "what the server did not take is kept for the next start")
        val requestsBefore = server.to("/api/diagnostics/ingest").size

        // The process is gone; the next start sends the items to the session they were captured in, under its token.
        val restarted = testClient(server, ManualRuntime(crashing.runtime.nowMs() + 60_000), withDirectory)
        restarted.client.start()
        val deadline = System.currentTimeMillis() + 10_000
        while (file.exists() && System.currentTimeMillis() < deadline) Thread.sleep(20)
        assertFalse(file.exists(), "sent, so deleted")
        val resent = server.to("/api/diagnostics/ingest").drop(requestsBefore)
        val batches = resent.map { Json.parseToJsonElement(it.body!!.utf8()) as JsonObject }
        val logs = batches.flatMap { (it["items"] as JsonArray).map { item -> item as JsonObject } }.filter { it.text("kind") == "log" }
        assertEquals(listOf("info" to "last request started", "fatal" to "checkout crashed"), logs.map { it.text("level") to it.text("message") })
        assertTrue(batches.all { it.text("sessionId") == SESSION_ID })
        assertEquals(setOf("Bearer it1.test.signature"), resent.map { it.headers["authorization"] }.toSet())
        restarted.client.stop()
    }

    @Test
    fun `without a session the last minute stays on the device, and a crash session gets it first`() = runBlocking {
        server.config(idleConfig())
        val test = crashingClient()
        val client = test.client
        val runtime = test.runtime
        client.start()
        val app = OkHttpClient.Builder().addInterceptor(client.okHttpInterceptor()).build()
        upstream.enqueue(MockResponse.Builder().code(200).body("{}").build())

        // Ninety seconds before the crash: outside the buffer's minute by the time the app crashes.
        client.info("app started")
        runtime.advance(40_000)
        val windowStart = runtime.nowMs()
        client.info("opened cart", mapOf("items" to 3))
        client.breadcrumb("tapped checkout", "ui")
        withContext(Dispatchers.IO) { app.newCall(Request.Builder().url(upstream.url("/api/cart/12345")).build()).execute().close() }
        runtime.advance(30_000)
        client.warn("payment form slow")
        client.debug("validating card form")
        client.log(LogLevel.TRACE, "below the buffer's level")
        runtime.advance(20_000)
        val crashAt = runtime.nowMs()

        // Nothing left the device before the crash but its config polls.
        assertEquals(setOf("/api/diagnostics/config"), server.requests.map { it.url.encodedPath }.toSet())
        val crash = IllegalStateException("payment total was null")
        crashOnWorker(crash)
        assertSame(crash, handedOn.poll(5, TimeUnit.SECONDS), "the crash is handed on to the app's handler")

        // Reported at once, as one crash of its fingerprint in its minute, for this device and version.
        val (key, batch) = server.signalBatches().single()
        assertTrue(key!!.matches(Regex("[0-9a-f]{32}")))
        assertEquals("device-1", batch.text("deviceId"))
        assertEquals("2.7.0", batch.text("appVersion"))
        val counter = (batch["counters"] as JsonArray).single() as JsonObject
        assertEquals("crashes", counter.text("series"))
        assertEquals("1", counter.text("count"))
        assertEquals(errorFingerprint(crash), counter.text("fingerprint"))
        assertEquals(crashAt / 60_000 * 60_000, Instant.parse(counter.text("minute")).toEpochMilli())
        assertEquals(emptyList<JsonObject>(), server.items(), "the frozen minute is not sent on its own")

        // The crash rule opened a session for the device; the next poll picks it up.
        server.config(sessionConfig(uploadPreSessionBuffer = true))
        runtime.advance(6_000)
        assertTrue(client.isSessionActive)
        client.info("after the session opened")
        client.flush()

        val items = server.items()
        val preSession = items.takeWhile { it["preSession"] == JsonPrimitive(true) }
        val describe = { item: JsonObject -> item.text("kind") to (if (item.text("kind") == "network") item.text("method") else item.text("message")) }
        assertEquals(
            checkoutPreCrashMinute(upstream.url("/api/cart/12345").toString()),
            preSession.map(describe),
        )
        for (item in preSession) {
            val at = Instant.parse(item.text("timestamp")).toEpochMilli()
            assertTrue(at in windowStart..crashAt, "${item.text("id")} is from the minute before the crash")
        }
        val fatal = preSession.last()
        assertEquals("fatal", fatal.text("level"))
        assertEquals("java.lang.IllegalStateException", (fatal["error"] as JsonObject).text("type"))
        val after = items.drop(preSession.size)
        assertTrue(after.none { it["preSession"] != null })
        assertTrue(after.any { it.text("message") == "after the session opened" })
        assertEquals(1, items.count { it.text("message") == "tapped checkout" }, "a breadcrumb that went with the buffer is not replayed")
        assertFalse(items.any { it.text("message") == "app started" || it.text("message") == "below the buffer's level" })
        assertEquals(emptyList<String>(), test.errors.map { it.message })
        client.stop()
    }

    @Test
    fun `the crash session gets only what its capture flags and level would have collected`() = runBlocking {
        server.config(idleConfig())
        val test = crashingClient()
        test.client.start()
        val app = OkHttpClient.Builder().addInterceptor(test.client.okHttpInterceptor()).build()
        upstream.enqueue(MockResponse.Builder().code(200).body("{}").build())
        test.client.info("opened cart")
        test.client.debug("validating card form")
        withContext(Dispatchers.IO) { app.newCall(Request.Builder().url(upstream.url("/api/cart")).build()).execute().close() }
        crashOnWorker(IllegalStateException("boom"))
        server.config(
            sessionConfig(
                collectionLevel = "standard",
                capture = """{"logs":true,"traces":true,"breadcrumbs":false,"network":false,"console":false,"screenshots":false,"screenshotOnError":false}""",
                uploadPreSessionBuffer = true,
            ),
        )
        test.runtime.advance(6_000)
        test.client.flush()
        assertEquals(listOf("opened cart", "boom"), server.items().filter { it["preSession"] != null }.map { it.text("message") })
        test.client.stop()
    }

    @Test
    fun `a crash report the server did not confirm is sent again under the same key, and counted once`() = runBlocking {
        server.config(idleConfig())
        server.signalsStatus(503)
        val test = crashingClient()
        test.client.start()
        val first = IllegalStateException("first")
        crashOnWorker(first)
        test.runtime.advance(1_000)
        val second = IllegalArgumentException("second")
        crashOnWorker(second)
        val sent = server.signalBatches()
        assertEquals(3, sent.size)
        assertEquals(sent[0], sent[1], "the unconfirmed batch goes again as it was, under its key")
        assertNotEquals(sent[0].first, sent[2].first)
        val fingerprints = sent.drop(1).map { (_, batch) -> ((batch["counters"] as JsonArray).single() as JsonObject).text("fingerprint") }
        assertEquals(listOf(errorFingerprint(first), errorFingerprint(second)), fingerprints)
        assertEquals(listOf("signals not sent: answered 503"), test.errors.map { it.message })
        test.client.stop()
    }

    @Test
    fun `the crash is handed on while its report is still on the way`() = runBlocking {
        server.config(idleConfig())
        val release = CountDownLatch(1)
        server.holdSignals(release)
        val test = crashingClient()
        test.client.start()
        val crash = IllegalStateException("held up")
        val handed = CompletableFuture<Throwable>()
        val worker = Thread({ throw crash }, "worker-2")
        Thread { handed.complete(handedOn.poll(20, TimeUnit.SECONDS)) }.start()
        worker.start()
        assertSame(crash, handed.get(20, TimeUnit.SECONDS))
        assertEquals(1L, release.count, "the server has not answered the report yet")
        assertEquals(1, server.to("/api/diagnostics/signals").size)
        release.countDown()
        worker.join()
        test.client.stop()
    }

    @Test
    fun `opted out, with crash reports off, or with the buffer off, nothing of it is kept or sent`() = runBlocking {
        server.config(idleConfig())
        val optedOut = crashingClient { it.copy(optedOut = true) }
        optedOut.client.start()
        optedOut.client.info("private")
        crashOnWorker(IllegalStateException("opted out"))
        optedOut.client.stop()

        val noReports = crashingClient { it.copy(signals = SignalOptions(crashReports = false), preCrashBuffer = PreCrashBufferOptions(enabled = false)) }
        noReports.client.start()
        noReports.client.info("not kept")
        crashOnWorker(IllegalStateException("not reported"))
        server.config(sessionConfig(uploadPreSessionBuffer = true))
        noReports.runtime.advance(6_000)
        assertTrue(noReports.client.isSessionActive)
        noReports.client.flush()
        noReports.client.stop()

        assertEquals(2, handedOn.size, "every crash is still handed on")
        assertEquals(emptyList<String>(), server.to("/api/diagnostics/signals").map { it.url.encodedPath })
        assertEquals(emptyList<JsonObject>(), server.items().filter { it["preSession"] != null })
    }
}
