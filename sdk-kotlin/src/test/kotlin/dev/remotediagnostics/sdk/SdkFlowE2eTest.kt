// End to end through the real local host (started by run-tests.sh, which passes its URL, the demo product's
// ingest key and an admin token in the environment), mirroring test/e2e/sdk-flow.test.ts: an admin switches
// diagnostics on for one device, that device's SDK picks the session up, asks its user, logs, traces a failing
// OkHttp call, throws, uploads a screenshot; the admin reads logs, traces, the timeline, the session and a report,
// all masked. A second SDK on a device nobody targeted sends nothing but its config polls. And, as
// test/e2e/crash-session.test.ts: a crash rule opens a session for a device whose SDK reported a crash, and that
// session's first items are the minute before the crash.
package dev.remotediagnostics.sdk

import dev.remotediagnostics.sdk.support.checkoutPreCrashMinute
import java.awt.Color
import java.awt.image.BufferedImage
import java.util.UUID
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive
import mockwebserver3.MockResponse
import mockwebserver3.MockWebServer
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable

@Tag("e2e")
@EnabledIfEnvironmentVariable(named = "DIAGNOSTICS_E2E_URL", matches = "http.+")
class SdkFlowE2eTest {
    private val hostUrl = System.getenv("DIAGNOSTICS_E2E_URL")!!.trimEnd('/')
    private val productKey = System.getenv("DIAGNOSTICS_E2E_KEY")!!
    private val adminToken = System.getenv("DIAGNOSTICS_E2E_ADMIN")!!
    private val plain = OkHttpClient()
    private val json = "application/json".toMediaType()

    /** Every one of these must be masked (or dropped) before an admin can read it. */
    private val secrets = mapOf(
        "email" to "jane.doe@example.com",
        "card" to "4111 1111 1111 1111",
        "password" to "hunter2-Pa55word!",
        "stripeKey" to "sk_live_51HxE2eTestSecretKey0000abcd",
        "bearer" to "app-session-token-9f8e7d6c5b4a",
        "awsKey" to "AKIAIOSFODNN7EXAMPLE",
    )

    private fun JsonElement?.obj() = this as JsonObject
    private fun JsonElement?.list() = (this as JsonArray).map { it as JsonObject }
    private fun JsonObject.text(name: String) = this[name]?.jsonPrimitive?.content

    private fun admin(method: String, path: String, body: String? = null): Pair<Int, String> {
        val request = Request.Builder().url("$hostUrl$path").header("authorization", "Bearer $adminToken")
            .method(method, body?.toRequestBody(json) ?: if (method == "POST") ByteArray(0).toRequestBody(null) else null).build()
        return plain.newCall(request).execute().use { it.code to it.body.string() }
    }

    private fun adminGet(path: String): JsonObject {
        val (status, text) = admin("GET", path)
        assertEquals(200, status, "$path answered $status: ${text.take(300)}")
        return Json.parseToJsonElement(text).obj()
    }

    /** The SDK's own HTTP client, remembering which paths it called. */
    private fun recordingHttp(calls: MutableList<String>) = OkHttpClient.Builder().addInterceptor { chain ->
        calls += "${chain.request().method} ${chain.request().url.encodedPath}"
        chain.proceed(chain.request())
    }.build()

    private fun sdkFor(deviceId: String, calls: MutableList<String>, errors: MutableList<Exception>) = DiagnosticsClient(
        DiagnosticsOptions(
            endpoint = hostUrl,
            productKey = productKey,
            identity = DeviceIdentity(deviceId = deviceId),
            appVersion = "2.7.0",
            platform = "android",
            initialPollIntervalMs = 1_000,
            flushIntervalMs = 500,
            captureUncaught = false,
            onConsentRequest = { true },
            httpClient = recordingHttp(calls),
            network = NetworkCaptureOptions(captureBodies = true),
            screenshots = RenderedImageScreenshotSource {
                BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB).apply {
                    createGraphics().run {
                        color = Color(30, 120, 200)
                        fillRect(0, 0, 64, 48)
                        dispose()
                    }
                }
            },
            onError = { errors += it },
        ),
    )

    private suspend fun eventually(what: String, timeoutMs: Long = 15_000, condition: suspend () -> Boolean) {
        val deadline = System.currentTimeMillis() + timeoutMs
        while (!condition()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting for $what")
            kotlinx.coroutines.delay(100)
        }
    }

    @Test
    fun `collects one targeted device, masked, and nothing from a device nobody targeted`() = runBlocking {
        val targetedDevice = "e2e-kt-${UUID.randomUUID().toString().take(8)}"
        val bystanderDevice = "e2e-kt-${UUID.randomUUID().toString().take(8)}"
        val targetedCalls = CopyOnWriteArrayList<String>()
        val bystanderCalls = CopyOnWriteArrayList<String>()
        val errors = CopyOnWriteArrayList<Exception>()
        val targeted = sdkFor(targetedDevice, targetedCalls, errors)
        val bystander = sdkFor(bystanderDevice, bystanderCalls, CopyOnWriteArrayList())
        // The app's own API, failing the order.
        val upstream = MockWebServer().apply { start() }
        upstream.enqueue(MockResponse.Builder().code(502).addHeader("content-type", "application/json").addHeader("x-request-id", "order-req-1").body("""{"error":"payment gateway timeout"}""").build())
        upstream.enqueue(MockResponse.Builder().code(200).body("ok").build())
        try {
            // Both apps run before any session exists: neither collects.
            targeted.start()
            bystander.start()
            assertFalse(targeted.isSessionActive)
            targeted.breadcrumb("opened checkout", "navigation")

            // The admin switches diagnostics on for the one device, asking its user first.
            val (created, createdBody) = admin(
                "POST",
                "/api/diagnostics/sessions",
                """{"productId":"demo","targetDeviceId":"$targetedDevice","collectionLevel":"debug","userConsent":"prompt","capture":{"network":true,"console":true,"screenshotOnError":true},"reason":"order failures reported by support"}""",
            )
            assertEquals(201, created, createdBody)
            val sessionId = Json.parseToJsonElement(createdBody).obj().text("id")!!

            // The next scheduled poll picks it up; the user is asked, and collecting starts once the yes is recorded.
            withTimeout(20_000) { targeted.state.first { it.collecting } }
            assertEquals(sessionId, targeted.sessionId)
            assertEquals(ConsentStatus.GRANTED, targeted.state.value.consent)
            kotlinx.coroutines.delay(1_500)
            assertFalse(bystander.isSessionActive)

            // The app does its thing, secrets and all.
            val app = OkHttpClient.Builder().addInterceptor(targeted.okHttpInterceptor()).build()
            targeted.log(LogLevel.INFO, "checkout for ${secrets["email"]}", mapOf("password" to secrets["password"], "awsKey" to secrets["awsKey"], "cartItems" to 2))
            targeted.warn("retrying with card ${secrets["card"]}")
            val thrown = runCatching {
                targeted.trace("place order") { span ->
                    span.setAttribute("order.id", "ORD-7731")
                    val status = withContext(Dispatchers.IO) {
                        app.newCall(
                            Request.Builder().url(upstream.url("/orders?api_key=${secrets["stripeKey"]}"))
                                .header("authorization", "Bearer ${secrets["bearer"]}")
                                .post("""{"card":"${secrets["card"]}"}""".toRequestBody(json)).build(),
                        ).execute().use { it.code }
                    }
                    if (status != 200) throw IllegalStateException("order failed ($status) for ${secrets["email"]}")
                }
            }.exceptionOrNull()
            assertTrue(thrown!!.message!!.contains("order failed (502)"))
            eventually("the error screenshot") { targeted.stats().screenshotsUploaded == 1 }
            targeted.flush()

            // The bystander does the same things, and none of it leaves the device.
            bystander.log(LogLevel.ERROR, "bystander error")
            bystander.breadcrumb("bystander")
            bystander.trace("bystander trace") {
                withContext(Dispatchers.IO) {
                    OkHttpClient.Builder().addInterceptor(bystander.okHttpInterceptor()).build()
                        .newCall(Request.Builder().url(upstream.url("/bystander")).build()).execute().close()
                }
            }
            bystander.captureError(IllegalStateException("bystander crash"))
            bystander.flush()
            assertEquals(setOf("GET /api/diagnostics/config"), bystanderCalls.toSet())
            assertEquals(listOf("/orders", "/bystander"), List(2) { upstream.takeRequest(5, java.util.concurrent.TimeUnit.SECONDS)!!.url.encodedPath })

            // The device sent its telemetry through ingest, the consent and the screenshot flow.
            assertTrue("POST /api/diagnostics/sessions/$sessionId/consent" in targetedCalls)
            assertTrue("POST /api/diagnostics/ingest" in targetedCalls)
            assertEquals(1, targetedCalls.count { it.endsWith("/confirm") })

            // The admin reads it back through the query API.
            val base = "/api/diagnostics/sessions/$sessionId"
            val logs = adminGet("$base/logs?type=log,breadcrumb,network&order=oldest&pageSize=100")["items"].list()
            val spans = adminGet("$base/traces?order=oldest&pageSize=100")["items"].list()
            val timeline = adminGet("$base/timeline?pageSize=100")["items"].list()
            fun byType(type: String) = logs.filter { it.text("docType") == type }

            assertTrue("opened checkout" in byType("breadcrumb").map { it.text("message") })
            val appLogs = byType("log")
            val info = appLogs.first { it.text("level") == "info" }
            assertEquals("2", info["context"].obj().text("cartItems"))
            assertEquals(targetedDevice, info["device"].obj().text("deviceId"))
            assertEquals("2.7.0", info["device"].obj().text("appVersion"))
            assertTrue(appLogs.any { it.text("level") == "warn" })
            val errorLog = appLogs.first { it.text("level") == "error" }
            assertTrue(errorLog["error"].obj().text("stack")!!.contains("SdkFlowE2eTest"))

            val network = byType("network")
            assertEquals(1, network.size)
            assertEquals("POST", network[0].text("method"))
            assertEquals("502", network[0].text("status"))
            assertNull((network[0]["requestHeaders"] as? JsonObject)?.get("authorization"))
            assertTrue(network[0].text("requestBody")!!.contains("card"), "the small JSON body was captured (and masked)")

            val order = spans.first { it.text("name") == "place order" }
            assertEquals("error", order["status"].obj().text("code"))
            val httpSpan = spans.first { it.text("spanKind") == "client" }
            assertEquals(order.text("traceId"), httpSpan.text("traceId"))
            assertEquals(order.text("spanId"), httpSpan.text("parentSpanId"))
            assertEquals("error", httpSpan["status"].obj().text("code"))
            assertEquals(order.text("traceId"), errorLog.text("traceId"))
            assertEquals(order.text("spanId"), errorLog.text("spanId"))
            val tree = adminGet("$base/traces/${order.text("traceId")}")
            assertEquals(listOf("place order"), tree["roots"].list().map { it.text("name") })
            assertEquals(listOf("client" to "error"), tree["roots"].list()[0]["children"].list().map { it.text("spanKind") to it["status"].obj().text("code") })

            assertEquals(logs.size + spans.size, timeline.size)
            val times = timeline.map { if (it.text("docType") == "span") it.text("startTime")!! else it.text("timestamp")!! }
            assertEquals(times.sorted(), times)

            val screenshots = adminGet("$base/screenshots")["items"].list()
            assertEquals(1, screenshots.size)
            assertEquals(listOf("confirmed", "error", errorLog.text("itemId")), listOf(screenshots[0].text("status"), screenshots[0].text("trigger"), screenshots[0].text("relatedItemId")))

            // Ingest writes its stats behind (INGEST_STATS_FLUSH_MS, short for this host): wait for them.
            var session = adminGet(base)
            eventually("the session stats") {
                session = adminGet(base)
                session["stats"].obj().text("networkCount") == "1" && session["stats"].obj().text("screenshotCount") == "1"
            }
            assertEquals("granted", session["consent"].obj().text("status"))
            assertTrue(session["stats"].obj().text("logCount")!!.toInt() >= 3)

            // The report of the session: errors, the failing request and trace, the breadcrumbs, the screenshot.
            val (reportStatus, reportText) = admin("POST", "$base/report")
            assertEquals(201, reportStatus, reportText.take(300))
            val generated = Json.parseToJsonElement(reportText).obj()
            val report = generated["report"].obj()
            assertEquals(sessionId, report["session"].obj().text("id"))
            assertTrue("java.lang.IllegalStateException" in report["errorGroups"].list().map { it.text("errorType") })
            assertTrue(report["stackTraces"].list().any { trace -> (trace["frames"] as JsonArray).any { it.jsonPrimitive.content.contains("SdkFlowE2eTest") } })
            val failing = report["failingRequests"].list().single()
            assertEquals(listOf("POST", "502", order.text("traceId")), listOf(failing.text("method"), failing.text("status"), failing.text("traceId")))
            assertTrue("place order" in report["failingTraces"].list().map { it.text("rootName") })
            assertTrue(report["breadcrumbTrails"].list().flatMap { it["breadcrumbs"].list().map { crumb -> crumb.text("message") } }.contains("opened checkout"))
            assertEquals(1, (report["screenshots"] as JsonArray).size)
            val links = generated["links"].obj()
            val files = listOf("json", "html").map { kind ->
                plain.newCall(Request.Builder().url(links[kind].obj().text("url")!!).build()).execute().use {
                    assertEquals(200, it.code)
                    it.body.string()
                }
            }
            assertTrue(files.joinToString("\n").contains("place order"))

            // Not one planted secret survives anywhere the admin can read.
            val everything = listOf(logs, spans, timeline, screenshots).joinToString() + tree + session + report + files.joinToString()
            for ((name, secret) in secrets) assertFalse(everything.contains(secret), "$name leaked")
            assertEquals(emptyList<String>(), errors.map { it.message }, "the SDK's own failures")
        } finally {
            targeted.stop()
            bystander.stop()
            upstream.close()
        }
    }

    @Test
    fun `a crash rule opens a session for the crashed device, starting with the minute before the crash`() = runBlocking {
        val (created, createdBody) = admin(
            "POST",
            "/api/diagnostics/products/demo/triggers",
            """{"name":"Debug crashes of 3.1.0-kt","on":"crash","scope":{"appVersion":"3.1.0-kt"},"session":{"collectionLevel":"debug","capture":{"network":true},"userConsent":"prompt","maxDurationMinutes":20}}""",
        )
        assertEquals(201, created, createdBody)
        val triggerId = Json.parseToJsonElement(createdBody).obj().text("id")!!

        val deviceId = "e2e-kt-crash-${UUID.randomUUID().toString().take(8)}"
        val calls = CopyOnWriteArrayList<String>()
        val errors = CopyOnWriteArrayList<Exception>()
        val asked = CopyOnWriteArrayList<String>()
        val handedOn = CopyOnWriteArrayList<Throwable>()
        val previousHandler = Thread.getDefaultUncaughtExceptionHandler()
        Thread.setDefaultUncaughtExceptionHandler { _, error -> handedOn += error }
        // A short window keeps the test quick on the real clock; the minute is the same code with 60 s.
        val windowMs = 4_000L
        val client = DiagnosticsClient(
            DiagnosticsOptions(
                endpoint = hostUrl,
                productKey = productKey,
                identity = DeviceIdentity(deviceId = deviceId),
                appVersion = "3.1.0-kt",
                platform = "android",
                initialPollIntervalMs = 1_000,
                flushIntervalMs = 500,
                preCrashBuffer = PreCrashBufferOptions(windowMs = windowMs),
                onConsentRequest = { request -> asked += request.sessionId; true },
                httpClient = recordingHttp(calls),
                onError = { errors += it },
            ),
        )
        val upstream = MockWebServer().apply { start() }
        upstream.enqueue(MockResponse.Builder().code(200).body("""{"total":null}""").build())
        try {
            client.start()
            assertFalse(client.isSessionActive)
            val app = OkHttpClient.Builder().addInterceptor(client.okHttpInterceptor()).build()

            // Before the window: gone by the time the app crashes.
            client.info("app started")
            kotlinx.coroutines.delay(windowMs + 1_000)
            val windowStart = System.currentTimeMillis()
            // Apart by a few milliseconds, so the query API's time order is the order they happened in.
            suspend fun step(action: suspend () -> Unit) = action().also { kotlinx.coroutines.delay(5) }
            step { client.info("opened cart", mapOf("items" to 3)) }
            step { client.breadcrumb("tapped checkout", "ui") }
            step { withContext(Dispatchers.IO) { app.newCall(Request.Builder().url(upstream.url("/api/cart/12345")).build()).execute().close() } }
            step { client.warn("payment form slow") }
            step { client.debug("validating card form") }

            // Nothing left the device before the crash but its config polls.
            assertEquals(setOf("GET /api/diagnostics/config"), calls.toSet())
            val crash = IllegalStateException("payment total was null")
            val worker = Thread({ throw crash }, "checkout-worker")
            worker.start()
            withContext(Dispatchers.IO) { worker.join() }
            val crashAt = System.currentTimeMillis()
            assertEquals(listOf<Throwable>(crash), handedOn.toList(), "the crash is handed on")
            assertEquals(1, calls.count { it == "POST /api/diagnostics/signals" })

            // The crash rule opened a session; a poll picks it up, the user is asked, then it collects.
            withTimeout(20_000) { client.state.first { it.collecting } }
            val sessionId = client.sessionId!!
            assertEquals(listOf(sessionId), asked.toList())
            client.info("after the session opened")
            client.flush()

            val session = adminGet("/api/diagnostics/sessions/$sessionId")
            assertEquals(deviceId, session.text("targetDeviceId"))
            assertEquals("trigger:$triggerId", session.text("createdBy"))
            assertEquals("granted", session["consent"].obj().text("status"))
            val signal = session["trigger"].obj()["signal"].obj()
            assertEquals(listOf("crash", "3.1.0-kt", errorFingerprint(crash)), listOf(signal.text("kind"), signal.text("appVersion"), signal.text("fingerprint")))

            val logs = adminGet("/api/diagnostics/sessions/$sessionId/logs?type=log,breadcrumb,network&order=oldest&pageSize=100")["items"].list()
            val preSession = logs.filter { it.text("preSession") == "true" }
            // First come the items of the minute before the crash, with their original times.
            assertEquals(preSession, logs.take(preSession.size))
            assertEquals(
                checkoutPreCrashMinute(upstream.url("/api/cart/12345").toString()),
                preSession.map { it.text("docType") to (if (it.text("docType") == "network") it.text("method") else it.text("message")) },
            )
            for (doc in preSession) {
                val at = java.time.Instant.parse(doc.text("timestamp")).toEpochMilli()
                assertTrue(at in windowStart..crashAt, "${doc.text("message")} is from the window before the crash")
            }
            assertEquals("fatal", preSession.last().text("level"))
            assertEquals("java.lang.IllegalStateException", preSession.last()["error"].obj().text("type"))
            assertFalse(logs.any { it.text("message") == "app started" })
            assertTrue(logs.drop(preSession.size).any { it.text("message") == "after the session opened" })
            assertEquals(emptyList<String>(), errors.map { it.message }, "the SDK's own failures")
        } finally {
            client.stop()
            Thread.setDefaultUncaughtExceptionHandler(previousHandler)
            upstream.close()
        }
    }
}
