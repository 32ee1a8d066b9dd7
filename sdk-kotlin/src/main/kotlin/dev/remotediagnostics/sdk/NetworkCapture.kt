// Network capture as an OkHttp interceptor: method, URL without user info, status, timing, sizes and headers
// (minus secrets) of the app's requests, and small bodies only where reading them cannot change what the app
// sees: never event streams, WebSocket upgrades, duplex or one-shot bodies, or bodies of unknown length.
package dev.remotediagnostics.sdk

import java.io.IOException
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction
import okhttp3.Headers
import okhttp3.HttpUrl
import okhttp3.Interceptor
import okhttp3.MediaType
import okhttp3.Request
import okhttp3.RequestBody
import okhttp3.Response
import okio.Buffer

/** Which requests the interceptor records, and how much of them. */
data class NetworkCaptureOptions(
    /** Only URLs containing one of these are captured; all when empty. */
    val include: List<String> = emptyList(),
    /** URLs containing one of these are never captured; wins over include. */
    val exclude: List<String> = emptyList(),
    /** Record request and response headers (minus sensitive ones). */
    val captureHeaders: Boolean = true,
    /**
     * Record textual bodies up to 16 KiB where that is safe (known length, replayable, not streaming). Off by
     * default: bodies carry customer data; the server masks them, but the choice is the app's.
     */
    val captureBodies: Boolean = false,
    /** Add a W3C `traceparent` header to requests to these hosts (exact, or `.example.com` for subdomains). */
    val propagateTraceContextTo: List<String> = emptyList(),
)

private val sensitiveHeaderNames = setOf(
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-diagnostics-key", "x-csrf-token", "x-xsrf-token",
)
private val sensitiveHeaderPattern = Regex("(auth|token|secret|password|passwd|session|cookie|api[-_]?key|signature|credential)", RegexOption.IGNORE_CASE)

fun isSensitiveHeader(name: String): Boolean = name.lowercase() in sensitiveHeaderNames || sensitiveHeaderPattern.containsMatchIn(name)

internal fun safeHeaders(headers: Headers): Map<String, String>? {
    val kept = LinkedHashMap<String, String>()
    for (index in 0 until headers.size) {
        val name = headers.name(index).lowercase()
        if (isSensitiveHeader(name) || kept.size >= 64) continue
        kept[clip(name, 256)] = clip(headers.value(index), 8192)
    }
    return kept.takeIf { it.isNotEmpty() }
}

/** Strips user info and the fragment; the query stays (the server masks secrets in it). */
fun displayUrl(url: HttpUrl): String = clip(url.newBuilder().username("").password("").fragment(null).build().toString(), MAX_URL_LENGTH)

internal fun matchesHost(host: String, patterns: List<String>): Boolean = patterns.any { pattern ->
    if (pattern.startsWith(".")) host.endsWith(pattern, ignoreCase = true) || host.equals(pattern.substring(1), ignoreCase = true)
    else host.equals(pattern, ignoreCase = true)
}

private fun isTextual(type: MediaType?): Boolean {
    type ?: return false
    if (type.type == "text") return type.subtype != "event-stream"
    val subtype = type.subtype.lowercase()
    return subtype == "json" || subtype.endsWith("+json") || subtype == "xml" || subtype.endsWith("+xml") ||
        subtype == "x-www-form-urlencoded" || subtype == "graphql" || subtype == "javascript"
}

private fun strictUtf8(bytes: ByteArray): String? = try {
    Charsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes)).toString()
} catch (_: CharacterCodingException) {
    null
}

/** A request body worth copying: known small length, replayable, textual. Writing it once more is then harmless. */
internal fun safeRequestBody(body: RequestBody?): String? {
    body ?: return null
    if (body.isDuplex() || body.isOneShot() || !isTextual(body.contentType())) return null
    val length = body.contentLength()
    if (length < 0 || length > MAX_BODY_CAPTURE_LENGTH) return null
    val buffer = Buffer()
    body.writeTo(buffer)
    if (buffer.size > MAX_BODY_CAPTURE_LENGTH) return null
    return strictUtf8(buffer.readByteArray())
}

/** A response body worth peeking: not an upgrade or an event stream, a textual body of known small length. */
internal fun safeResponseBody(request: Request, response: Response): String? {
    if (response.code == 101 || request.header("upgrade") != null || request.body?.isDuplex() == true) return null
    val body = response.body
    val type = body.contentType()
    if (type?.subtype.equals("event-stream", ignoreCase = true) || !isTextual(type)) return null
    val length = body.contentLength()
    if (length < 0 || length > MAX_BODY_CAPTURE_LENGTH) return null
    return strictUtf8(response.peekBody(MAX_BODY_CAPTURE_LENGTH.toLong()).bytes())
}

/** What one observed request came to. */
internal class NetworkObservation(val method: String, val url: String, val startedAtMs: Long) {
    var durationMs = 0L
    var status: Int? = null
    var requestSize: Long? = null
    var responseSize: Long? = null
    var requestHeaders: Map<String, String>? = null
    var responseHeaders: Map<String, String>? = null
    var requestBody: String? = null
    var responseBody: String? = null
    var error: String? = null
}

/** The client's side of the interceptor: whether to observe, and the span and item for each request. */
internal interface NetworkObserver {
    val networkOptions: NetworkCaptureOptions
    val clock: SdkClock
    fun shouldObserve(url: HttpUrl): Boolean
    fun begin(request: Request): NetworkExchange

    /** Whether the request is counted for the per-minute signals (requests, 5xx, latency by route), session or not. */
    fun countsRequest(url: HttpUrl): Boolean

    /** `status` null when the call failed without an answer. */
    fun countRequest(url: HttpUrl, status: Int?, durationMs: Long, startedAtMs: Long)
}

internal interface NetworkExchange {
    val span: SpanContext
    fun finish(observation: NetworkObservation)
}

/**
 * Add to the app's OkHttpClient (`addInterceptor(diagnostics.okHttpInterceptor())`). It records nothing while no
 * session collects network captures (it only counts, when per-minute signals are on), and never the SDK's own calls.
 */
class DiagnosticsInterceptor internal constructor(private val observer: NetworkObserver) : Interceptor {
    override fun intercept(chain: Interceptor.Chain): Response {
        val original = chain.request()
        val counted = safely(false) { observer.countsRequest(original.url) }
        if (!safely(false) { observer.shouldObserve(original.url) }) return if (counted) proceedCounted(chain, original) else chain.proceed(original)
        val options = observer.networkOptions
        val exchange = observer.begin(original)
        val request = if (matchesHost(original.url.host, options.propagateTraceContextTo) && original.header("traceparent") == null) {
            original.newBuilder().header("traceparent", exchange.span.traceparent()).build()
        } else {
            original
        }
        val observation = NetworkObservation(request.method, displayUrl(request.url), observer.clock.nowMs())
        safely(Unit) {
            request.body?.contentLength()?.takeIf { it >= 0 }?.let { observation.requestSize = it }
            if (options.captureHeaders) observation.requestHeaders = safeHeaders(request.headers)
            if (options.captureBodies) observation.requestBody = safeRequestBody(request.body)
        }
        val response = try {
            chain.proceed(request)
        } catch (error: IOException) {
            observation.durationMs = maxOf(0, observer.clock.nowMs() - observation.startedAtMs)
            observation.error = clip("${error.javaClass.simpleName}: ${error.message}", 1024)
            safely(Unit) { exchange.finish(observation) }
            if (counted) safely(Unit) { observer.countRequest(request.url, null, observation.durationMs, observation.startedAtMs) }
            throw error
        }
        observation.durationMs = maxOf(0, observer.clock.nowMs() - observation.startedAtMs)
        observation.status = response.code
        if (counted) safely(Unit) { observer.countRequest(request.url, response.code, observation.durationMs, observation.startedAtMs) }
        safely(Unit) {
            (response.body.contentLength().takeIf { it >= 0 } ?: response.header("content-length")?.toLongOrNull())?.let { observation.responseSize = it }
            if (options.captureHeaders) observation.responseHeaders = safeHeaders(response.headers)
            if (options.captureBodies) observation.responseBody = safeResponseBody(request, response)
        }
        safely(Unit) { exchange.finish(observation) }
        return response
    }

    /** Only timed and counted: no session is capturing this request. */
    private fun proceedCounted(chain: Interceptor.Chain, request: Request): Response {
        val startedAtMs = observer.clock.nowMs()
        val response = try {
            chain.proceed(request)
        } catch (error: IOException) {
            safely(Unit) { observer.countRequest(request.url, null, maxOf(0, observer.clock.nowMs() - startedAtMs), startedAtMs) }
            throw error
        }
        safely(Unit) { observer.countRequest(request.url, response.code, maxOf(0, observer.clock.nowMs() - startedAtMs), startedAtMs) }
        return response
    }

    /** Capturing must never change what the app's call returns or throws. */
    private inline fun <T> safely(fallback: T, action: () -> T): T = try {
        action()
    } catch (_: Exception) {
        fallback
    }
}
