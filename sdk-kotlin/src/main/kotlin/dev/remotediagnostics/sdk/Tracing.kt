// Spans with W3C/OpenTelemetry-compatible ids, and the "current span" that gives nested spans their parent:
// a coroutine context element that also sets a thread-local while its coroutine runs, so blocking code on that
// thread (an OkHttp `execute()` in the interceptor, a callback) sees the same parent.
package dev.remotediagnostics.sdk

import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.ThreadContextElement
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put

data class SpanContext(val traceId: String, val spanId: String) {
    /** The W3C `traceparent` header value (sampled). */
    fun traceparent(): String = "00-$traceId-$spanId-01"
}

/** The current span as a coroutine context element; children launched inside inherit it. */
class SpanContextElement(val span: SpanContext) : AbstractCoroutineContextElement(Key), ThreadContextElement<SpanContext?> {
    companion object Key : CoroutineContext.Key<SpanContextElement>

    override fun updateThreadContext(context: CoroutineContext): SpanContext? {
        val previous = currentThreadSpan.get()
        currentThreadSpan.set(span)
        return previous
    }

    override fun restoreThreadContext(context: CoroutineContext, oldState: SpanContext?) {
        currentThreadSpan.set(oldState)
    }
}

internal val currentThreadSpan = ThreadLocal<SpanContext?>()

/** The span current on this thread (set by a running `trace {}` coroutine or `traceBlocking {}`), if any. */
fun currentSpanOnThread(): SpanContext? = currentThreadSpan.get()

enum class SpanKind(val wire: String) { INTERNAL("internal"), SERVER("server"), CLIENT("client"), PRODUCER("producer"), CONSUMER("consumer") }

/** What `trace(name) { span -> }` hands to its block. */
interface Span {
    val context: SpanContext
    val name: String

    /** False when no session collects traces: the span still has ids (and propagates), but nothing is sent. */
    val recording: Boolean
    fun setAttribute(key: String, value: Any?): Span
    fun addEvent(name: String, attributes: Attributes? = null): Span

    /** Marks the span failed and attaches the error as an OpenTelemetry `exception` event. */
    fun recordException(error: Throwable): Span
}

internal class RecordingSpan(
    override val name: String,
    override val context: SpanContext,
    private val parentSpanId: String?,
    override val recording: Boolean,
    private val startMs: Long,
    private val kind: SpanKind,
    private val clock: SdkClock,
    attributes: Attributes = emptyMap(),
) : Span {
    private val lock = Any()
    private val attributes = LinkedHashMap<String, Any?>(attributes)
    private val events = ArrayList<JsonObject>()
    private var statusCode = "unset"
    private var statusMessage: String? = null
    private var ended = false

    override fun setAttribute(key: String, value: Any?): Span = apply { synchronized(lock) { if (attributes.size < MAX_ATTRIBUTE_KEYS || key in attributes) attributes[key] = value } }

    override fun addEvent(name: String, attributes: Attributes?): Span = apply {
        synchronized(lock) {
            if (events.size < 128) {
                events += buildJsonObject {
                    put("name", clip(name, 512))
                    put("time", isoTime(clock.nowMs()))
                    attributes?.let { put("attributes", boundAttributes(it)) }
                }
            }
        }
    }

    override fun recordException(error: Throwable): Span = apply {
        val described = describeError(error)
        synchronized(lock) {
            statusCode = "error"
            statusMessage = described.message.takeIf { it.isNotEmpty() }
        }
        addEvent(
            "exception",
            mapOf("exception.type" to described.type, "exception.message" to described.message, "exception.stacktrace" to described.stack),
        )
    }

    fun setError(message: String) = synchronized(lock) {
        statusCode = "error"
        statusMessage = message
    }

    /** Ends the span once; returns the item to send, or null when it was already ended. */
    fun end(endMs: Long, failed: Boolean): TelemetryItem? = synchronized(lock) {
        if (ended) return null
        ended = true
        if (!failed && statusCode == "unset") statusCode = "ok"
        if (failed) statusCode = "error"
        val json = buildJsonObject {
            put("kind", "span")
            put("id", context.spanId)
            put("traceId", context.traceId)
            put("spanId", context.spanId)
            parentSpanId?.let { put("parentSpanId", it) }
            put("name", clip(name, 512).ifEmpty { "span" })
            put("spanKind", kind.wire)
            put("startTime", isoTime(startMs))
            put("endTime", isoTime(maxOf(endMs, startMs)))
            put(
                "status",
                buildJsonObject {
                    put("code", statusCode)
                    statusMessage?.let { put("message", clip(it, MAX_MESSAGE_LENGTH)) }
                },
            )
            if (attributes.isNotEmpty()) put("attributes", boundAttributes(attributes))
            if (events.isNotEmpty()) put("events", JsonArray(events.toList<JsonElement>()))
        }
        TelemetryItem("span", context.spanId, json)
    }
}

data class DescribedError(val type: String, val message: String, val stack: String?)

fun describeError(error: Throwable): DescribedError =
    DescribedError(error.javaClass.name, error.message.orEmpty(), error.stackTraceToString())

internal fun JsonObject.primitive(name: String): String? = (this[name] as? JsonPrimitive)?.content
