// The OkHttp interceptor against a real upstream (MockWebServer): what it records of the app's requests, the
// secrets it leaves out, the bodies it reads only when that is safe, and traceparent only to configured hosts.
package dev.remotediagnostics.sdk

import dev.remotediagnostics.sdk.support.ScriptedServer
import dev.remotediagnostics.sdk.support.sessionConfig
import dev.remotediagnostics.sdk.support.testClient
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive
import mockwebserver3.MockResponse
import mockwebserver3.MockWebServer
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import okhttp3.WebSocket
import okhttp3.WebSocketListener
import okio.Buffer
import okio.BufferedSink
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class InterceptorTest {
    private val server = ScriptedServer()
    private val upstream = MockWebServer().apply { start() }

    @AfterEach
    fun close() {
        upstream.close()
        server.close()
    }

    private fun JsonObject.text(name: String) = this[name]?.jsonPrimitive?.content

    private val json = "application/json".toMediaType()

    private fun appClient(test: dev.remotediagnostics.sdk.support.TestClient) = OkHttpClient.Builder().addInterceptor(test.client.okHttpInterceptor()).build()

    @Test
    fun `records method, url without user info, status, sizes and headers minus secrets`() = runBlocking {
        server.config(sessionConfig())
        val test = testClient(server) { it.copy(network = NetworkCaptureOptions(captureBodies = true)) }
        test.client.start()
        upstream.enqueue(MockResponse.Builder().code(502).addHeader("content-type", "application/json").addHeader("x-request-id", "r-1").addHeader("set-cookie", "sid=secret").body("""{"error":"gateway timeout"}""").build())
        val url = upstream.url("/orders?page=2").newBuilder().username("jane").password("hunter2").fragment("top").build()
        withContext(Dispatchers.IO) {
            appClient(test).newCall(
                Request.Builder().url(url).header("authorization", "Bearer app-token").header("x-session-token", "s3cr3t").header("accept", "application/json")
                    .post("""{"card":"4111"}""".toRequestBody(json)).build(),
            ).execute().use { assertEquals("""{"error":"gateway timeout"}""", it.body.string()) }
        }
        test.client.flush()
        val item = server.itemsOfKind("network").single()
        assertEquals("POST", item.text("method"))
        assertEquals(upstream.url("/orders?page=2").toString(), item.text("url"))
        assertEquals("502", item.text("status"))
        assertEquals("15", item.text("requestSize"))
        assertEquals("27", item.text("responseSize"))
        val requestHeaders = item["requestHeaders"] as JsonObject
        // An application interceptor sees the app's headers (OkHttp adds content-type and length later).
        assertEquals(setOf("accept"), requestHeaders.keys)
        val responseHeaders = item["responseHeaders"] as JsonObject
        assertEquals("r-1", responseHeaders.text("x-request-id"))
        assertFalse("set-cookie" in responseHeaders)
        assertEquals("""{"card":"4111"}""", item.text("requestBody"))
        assertEquals("""{"error":"gateway timeout"}""", item.text("responseBody"))
        val span = server.itemsOfKind("span").single()
        assertEquals("client", span.text("spanKind"))
        assertEquals(item.text("spanId"), span.text("spanId"))
        assertEquals("error", (span["status"] as JsonObject).text("code"))
        assertTrue(server.itemsOfKind("breadcrumb").any { it.text("category") == "http" })
        test.client.stop()
    }

    @Test
    fun `never reads event streams, chunked bodies of unknown length, or one-shot request bodies`() = runBlocking {
        server.config(sessionConfig())
        val test = testClient(server) { it.copy(network = NetworkCaptureOptions(captureBodies = true)) }
        test.client.start()
        val http = appClient(test)
        upstream.enqueue(MockResponse.Builder().addHeader("content-type", "text/event-stream").body("data: one\n\ndata: two\n\n").build())
        upstream.enqueue(MockResponse.Builder().addHeader("content-type", "application/json").chunkedBody(Buffer().writeUtf8("""{"chunked":true}"""), 4).build())
        upstream.enqueue(MockResponse.Builder().addHeader("content-type", "application/json").body("{}").build())
        var oneShotWrites = 0
        val oneShot = object : RequestBody() {
            override fun contentType() = json
            override fun contentLength() = 11L
            override fun isOneShot() = true
            override fun writeTo(sink: BufferedSink) {
                oneShotWrites++
                sink.writeUtf8("""{"once":1}""" + " ")
            }
        }
        withContext(Dispatchers.IO) {
            http.newCall(Request.Builder().url(upstream.url("/events")).build()).execute().use { response ->
                assertEquals("data: one", response.body.source().readUtf8Line())
            }
            http.newCall(Request.Builder().url(upstream.url("/chunked")).build()).execute().use { assertEquals("""{"chunked":true}""", it.body.string()) }
            http.newCall(Request.Builder().url(upstream.url("/upload")).post(oneShot).build()).execute().use { it.body.string() }
        }
        assertEquals(1, oneShotWrites, "the one-shot body was written once, by OkHttp")
        test.client.flush()
        val items = server.itemsOfKind("network").associateBy { it.text("url")!!.substringAfterLast('/') }
        assertEquals(setOf("events", "chunked", "upload"), items.keys)
        assertNull(items["events"]!!["responseBody"])
        assertNull(items["chunked"]!!["responseBody"])
        assertNull(items["upload"]!!["requestBody"])
        assertEquals("11", items["upload"]!!.text("requestSize"))
        assertEquals("{}", items["upload"]!!.text("responseBody"), "a small JSON answer of known length is safe to copy")
        test.client.stop()
    }

    @Test
    fun `a WebSocket upgrade passes through untouched`() = runBlocking {
        server.config(sessionConfig())
        val test = testClient(server) { it.copy(network = NetworkCaptureOptions(captureBodies = true)) }
        test.client.start()
        val serverSide = CompletableFuture<String>()
        upstream.enqueue(
            MockResponse.Builder().webSocketUpgrade(object : WebSocketListener() {
                override fun onMessage(webSocket: WebSocket, text: String) {
                    serverSide.complete(text)
                    webSocket.close(1000, "bye")
                }
            }).build(),
        )
        val opened = CompletableFuture<Response>()
        appClient(test).newWebSocket(
            Request.Builder().url(upstream.url("/socket")).build(),
            object : WebSocketListener() {
                override fun onOpen(webSocket: WebSocket, response: Response) {
                    opened.complete(response)
                    webSocket.send("hello")
                }
            },
        )
        assertEquals(101, opened.get(5, TimeUnit.SECONDS).code)
        assertEquals("hello", serverSide.get(5, TimeUnit.SECONDS))
        test.client.flush()
        val item = server.itemsOfKind("network").single()
        assertEquals("101", item.text("status"))
        assertNull(item["responseBody"])
        test.client.stop()
    }

    @Test
    fun `duplex request bodies are never read`() {
        val duplex = object : RequestBody() {
            override fun contentType() = json
            override fun contentLength() = 2L
            override fun isDuplex() = true
            override fun writeTo(sink: BufferedSink) = error("a duplex body must not be written by the capture")
        }
        assertNull(safeRequestBody(duplex))
        assertNull(safeRequestBody("x".repeat(MAX_BODY_CAPTURE_LENGTH + 1).toRequestBody(json)))
        assertNull(safeRequestBody(byteArrayOf(0, -1, -2).toRequestBody("application/octet-stream".toMediaType())))
        assertEquals("""{"a":1}""", safeRequestBody("""{"a":1}""".toRequestBody(json)))
    }

    @Test
    fun `traceparent goes only to configured hosts, carrying the current span`() = runBlocking {
        server.config(sessionConfig())
        val test = testClient(server) { it.copy(network = NetworkCaptureOptions(propagateTraceContextTo = listOf(upstream.url("/").host))) }
        test.client.start()
        val http = appClient(test)
        repeat(2) { upstream.enqueue(MockResponse.Builder().body("ok").build()) }
        val parent = test.client.trace("load") { span ->
            withContext(Dispatchers.IO) { http.newCall(Request.Builder().url(upstream.url("/own")).build()).execute().close() }
            span.context
        }
        val propagated = upstream.takeRequest(5, TimeUnit.SECONDS)!!.headers["traceparent"]!!
        assertTrue(propagated.matches(Regex("00-${parent.traceId}-[0-9a-f]{16}-01")), propagated)

        val other = testClient(server) { it.copy(identity = DeviceIdentity(deviceId = "device-3"), network = NetworkCaptureOptions(propagateTraceContextTo = listOf(".example.com"))) }
        other.client.start()
        withContext(Dispatchers.IO) { OkHttpClient.Builder().addInterceptor(other.client.okHttpInterceptor()).build().newCall(Request.Builder().url(upstream.url("/third-party")).build()).execute().close() }
        assertNull(upstream.takeRequest(5, TimeUnit.SECONDS)!!.headers["traceparent"])
        test.client.flush()
        val clientSpan = server.itemsOfKind("span").single { it.text("spanKind") == "client" && it.text("traceId") == parent.traceId }
        assertEquals(parent.spanId, clientSpan.text("parentSpanId"))
        assertEquals(propagated.split('-')[2], clientSpan.text("spanId"))
        test.client.stop()
        other.client.stop()
    }

    @Test
    fun `nothing is recorded without a session, nor for the SDK's own calls`() = runBlocking {
        server.config(dev.remotediagnostics.sdk.support.idleConfig())
        val test = testClient(server)
        test.client.start()
        upstream.enqueue(MockResponse.Builder().body("ok").build())
        withContext(Dispatchers.IO) { appClient(test).newCall(Request.Builder().url(upstream.url("/quiet")).build()).execute().close() }
        test.client.flush()
        assertEquals(0, server.to("/api/diagnostics/ingest").size)
        assertFalse(test.client.isSessionActive)
        test.client.stop()
    }
}
