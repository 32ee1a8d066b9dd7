// The diagnostics service as a script: MockWebServer answering the SDK's routes with whatever the test queues,
// and recording every request so the test can read what the device sent.
package dev.remotediagnostics.sdk.support

import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive
import mockwebserver3.Dispatcher
import mockwebserver3.MockResponse
import mockwebserver3.MockWebServer
import mockwebserver3.RecordedRequest

const val SESSION_ID = "ds_00000000-0000-4000-8000-000000000001"
const val PRODUCT_KEY = "dk_demo_test"

fun sessionConfig(
    pollIntervalSeconds: Int = 5,
    sessionId: String = SESSION_ID,
    status: String = "active",
    collectionLevel: String = "debug",
    consentRequired: Boolean = false,
    consentStatus: String = "not_required",
    capture: String = """{"logs":true,"traces":true,"breadcrumbs":true,"network":true,"console":false,"screenshots":false,"screenshotOnError":false}""",
    expiresAt: String = "2099-01-01T00:00:00.000Z",
    uploadPreSessionBuffer: Boolean = false,
): String = """{"active":true,"pollIntervalSeconds":$pollIntervalSeconds,"session":{"id":"$sessionId","status":"$status","collectionLevel":"$collectionLevel","capture":$capture,"expiresAt":"$expiresAt","consentRequired":$consentRequired,"consentStatus":"$consentStatus","ingestToken":"it1.test.signature"${if (uploadPreSessionBuffer) ""","uploadPreSessionBuffer":true""" else ""}}}"""

fun idleConfig(pollIntervalSeconds: Int = 5) = """{"active":false,"pollIntervalSeconds":$pollIntervalSeconds}"""

class ScriptedServer : AutoCloseable {
    val server = MockWebServer()
    val requests = CopyOnWriteArrayList<RecordedRequest>()

    /** Answers of the config route, in order; the last one repeats. ETag is the body's hash unless given. */
    private val configAnswers = ConcurrentLinkedQueue<MockResponse>()
    private var lastConfig: MockResponse = MockResponse.Builder().code(200).body(idleConfig()).build()

    /** Answers of the consent route, in order; 200 when none is queued. */
    private val consentAnswers = ConcurrentLinkedQueue<MockResponse>()

    /** Answers of the ingest route, in order; 202 when none is queued. */
    private val ingestAnswers = ConcurrentLinkedQueue<MockResponse>()

    /** Answers of the signals route, in order; 202 when none is queued. */
    private val signalAnswers = ConcurrentLinkedQueue<MockResponse>()

    init {
        server.dispatcher = object : Dispatcher() {
            override fun dispatch(request: RecordedRequest): MockResponse {
                requests += request
                val path = request.url.encodedPath
                return when {
                    path == "/api/diagnostics/config" -> configAnswer(request)
                    path == "/api/diagnostics/ingest" -> ingestAnswers.poll() ?: MockResponse.Builder().code(202).body("""{"accepted":1}""").build()
                    path == "/api/diagnostics/signals" -> {
                        heldSignals?.await(30, java.util.concurrent.TimeUnit.SECONDS)
                        signalAnswers.poll() ?: MockResponse.Builder().code(202).body("{}").build()
                    }
                    path.endsWith("/consent") -> consentAnswers.poll() ?: MockResponse.Builder().code(200).body("{}").build()
                    else -> MockResponse.Builder().code(404).build()
                }
            }
        }
        server.start()
    }

    val url: String get() = server.url("/").toString().trimEnd('/')

    private fun configAnswer(request: RecordedRequest): MockResponse {
        val answer = synchronized(this) { configAnswers.poll()?.also { lastConfig = it } ?: lastConfig }
        val etag = answer.headers["etag"]
        return if (answer.code == 200 && etag != null && request.headers["if-none-match"] == etag) MockResponse.Builder().code(304).addHeader("etag", etag).build() else answer
    }

    fun config(body: String, etag: String? = "\"${body.hashCode()}\"") {
        configAnswers += MockResponse.Builder().code(200).addHeader("content-type", "application/json").apply { if (etag != null) addHeader("etag", etag) }.body(body).build()
    }

    fun configStatus(code: Int, retryAfter: String? = null) {
        configAnswers += MockResponse.Builder().code(code).apply { if (retryAfter != null) addHeader("retry-after", retryAfter) }.build()
    }

    fun ingestStatus(code: Int, retryAfter: String? = null) {
        ingestAnswers += MockResponse.Builder().code(code).apply { if (retryAfter != null) addHeader("retry-after", retryAfter) }.body("{}").build()
    }

    fun signalsStatus(code: Int) {
        signalAnswers += MockResponse.Builder().code(code).body("{}").build()
    }

    /** Answers the next signals request only once `release` completes (a crash report the network holds up). */
    fun holdSignals(release: java.util.concurrent.CountDownLatch) {
        heldSignals = release
    }

    @Volatile
    private var heldSignals: java.util.concurrent.CountDownLatch? = null

    fun consentStatus(code: Int) {
        consentAnswers += MockResponse.Builder().code(code).body("{}").build()
    }

    fun to(path: String): List<RecordedRequest> = requests.filter { it.url.encodedPath == path }

    fun configPolls(): List<RecordedRequest> = to("/api/diagnostics/config")

    /** The ingest bodies received, each checked against the shared contract first. */
    fun batches(): List<JsonObject> = to("/api/diagnostics/ingest").map { request ->
        val text = request.body!!.utf8()
        WireContract.assertValid("ingest-batch", text)
        Json.parseToJsonElement(text) as JsonObject
    }

    /** The signal batches received with their Idempotency-Key, each checked against the shared contract first. */
    fun signalBatches(): List<Pair<String?, JsonObject>> = to("/api/diagnostics/signals").map { request ->
        val text = request.body!!.utf8()
        WireContract.assertValid("signal-batch", text)
        request.headers["idempotency-key"] to (Json.parseToJsonElement(text) as JsonObject)
    }

    /** All items received, in order. */
    fun items(): List<JsonObject> = batches().flatMap { (it["items"] as JsonArray).map { item -> item as JsonObject } }

    fun itemsOfKind(kind: String) = items().filter { it["kind"]!!.jsonPrimitive.content == kind }

    override fun close() = server.close()
}
