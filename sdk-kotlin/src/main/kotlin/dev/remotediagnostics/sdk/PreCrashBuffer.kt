// The last minute of logs, breadcrumbs and network captures, kept in memory while no session collects, so a
// session a crash opens can start with what led to the crash. Bounded by age and by bytes; never sent unless a
// session asks for it (config `uploadPreSessionBuffer`), and then marked `preSession: true`. The TypeScript
// SDK's sdk/src/pre-crash-buffer.ts, on the JVM.
package dev.remotediagnostics.sdk

import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/** The pre-crash buffer: on by default; `windowMs` is how far back it reaches, `maxBytes` its size as JSON. */
data class PreCrashBufferOptions(val enabled: Boolean = true, val windowMs: Long = 60_000, val maxBytes: Int = 256 * 1024)

internal class PreCrashBuffer(private val windowMs: Long, private val maxBytes: Int) {
    private class Entry(val item: TelemetryItem, val atMs: Long)

    private val lock = Any()
    private val entries = ArrayDeque<Entry>()
    private var bytes = 0L

    /** What the buffer held when the app crashed, kept until a session takes it (or the next crash replaces it). */
    private var snapshot: List<TelemetryItem>? = null

    /** Keeps an item captured at `capturedAtMs` (its own timestamp: a request is filed under its start). */
    fun record(item: TelemetryItem, capturedAtMs: Long, nowMs: Long) = synchronized(lock) {
        // One item larger than the whole budget is not kept at all, rather than emptying the buffer for it.
        if (item.sizeBytes > maxBytes) return
        entries.addLast(Entry(item, capturedAtMs))
        bytes += item.sizeBytes
        trim(nowMs)
    }

    /** Freezes the last window at a crash, so what the crash session uploads is the minute before the crash. */
    fun freeze(nowMs: Long) = synchronized(lock) {
        trim(nowMs)
        snapshot = entries.map { it.item }
    }

    /** The frozen minute (or, without a crash, the current window), marked preSession, oldest first; empties both. */
    fun drain(nowMs: Long): List<TelemetryItem> {
        val items = synchronized(lock) {
            trim(nowMs)
            val taken = snapshot ?: entries.map { it.item }
            snapshot = null
            entries.clear()
            bytes = 0
            taken
        }
        return items.map { item -> TelemetryItem(item.kind, item.id, JsonObject(item.toJson() + ("preSession" to JsonPrimitive(true)))) }
    }

    fun clear() = synchronized(lock) {
        entries.clear()
        bytes = 0
        snapshot = null
    }

    val size: Int get() = synchronized(lock) { entries.size }

    val sizeBytes: Long get() = synchronized(lock) { bytes }

    private fun trim(nowMs: Long) {
        val oldest = nowMs - windowMs
        while (entries.isNotEmpty() && (entries.first().atMs < oldest || bytes > maxBytes)) {
            bytes -= entries.removeFirst().item.sizeBytes
        }
    }
}
