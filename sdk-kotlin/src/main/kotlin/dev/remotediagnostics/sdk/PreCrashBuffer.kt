// The last minute of logs, breadcrumbs and network captures, kept in memory while no session collects, so a
// session a crash opens can start with what led to the crash. Bounded by age and by bytes; never sent unless a
// session asks for it (config `uploadPreSessionBuffer`), and then marked `preSession: true`. The TypeScript
// SDK's sdk/src/pre-crash-buffer.ts, on the JVM. On Android a crash ends the process before the crash session can
// be polled for, so the minute frozen at a crash is also written to a file the next process reads back.
package dev.remotediagnostics.sdk

import java.io.File
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull
import kotlinx.serialization.json.put

/**
 * The pre-crash buffer: on by default; `windowMs` is how far back it reaches, `maxBytes` its size as JSON. With a
 * `DiagnosticsOptions.crashDirectory`, a minute frozen at a crash that is older than `frozenMaxAgeMs` when the app
 * starts again is deleted unsent.
 */
data class PreCrashBufferOptions(
    val enabled: Boolean = true,
    val windowMs: Long = 60_000,
    val maxBytes: Int = 256 * 1024,
    val frozenMaxAgeMs: Long = 24 * 60 * 60_000L,
)

/**
 * The frozen minute on disk: a first line with the time it was frozen, then one item's wire JSON per line. It goes
 * once a session took the items, when they are too old, or when the user opts out.
 */
internal class FrozenMinuteFile(directory: File, private val maxAgeMs: Long) {
    private val crashFile = CrashFile(directory, FILE_NAME)

    fun write(items: List<TelemetryItem>, frozenAtMs: Long) = crashFile.writeItems(buildJsonObject { put("frozenAtMs", frozenAtMs) }, items)

    /** The items frozen by an earlier process; null when there are none, or they are too old or unreadable (then deleted). */
    fun read(nowMs: Long): List<TelemetryItem>? {
        if (!crashFile.file.isFile) return null
        val items = try {
            val (header, items) = crashFile.readItems() ?: return null
            val frozenAt = header["frozenAtMs"]?.jsonPrimitive?.longOrNull
            if (frozenAt == null || nowMs - frozenAt > maxAgeMs) null else items
        } catch (_: Exception) {
            // Not ours to repair: a file that does not read as written (another version, a disk error) is dropped.
            null
        }
        if (items == null) delete()
        return items
    }

    fun delete() = crashFile.delete()

    companion object {
        const val FILE_NAME = "remote-diagnostics-pre-crash.jsonl"
    }
}

internal class PreCrashBuffer(private val windowMs: Long, private val maxBytes: Int, private val frozenFile: FrozenMinuteFile? = null) {
    private class Entry(val item: TelemetryItem, val atMs: Long)

    private val lock = Any()
    private val entries = ArrayDeque<Entry>()
    private var bytes = 0L

    /** What the buffer held when the app crashed, kept until a session takes it (or the next crash replaces it). */
    private var snapshot: List<TelemetryItem>? = null

    /** Keeps an item captured at `capturedAtMs` (its own timestamp: a request is filed under its start). */
    fun record(item: TelemetryItem, capturedAtMs: Long, nowMs: Long) {
        // One item larger than the whole budget is not kept at all, rather than emptying the buffer for it.
        if (item.sizeBytes > maxBytes) return
        synchronized(lock) {
            entries.addLast(Entry(item, capturedAtMs))
            bytes += item.sizeBytes
            trim(nowMs)
        }
    }

    /**
     * Freezes the last window at a crash, so what the crash session uploads is the minute before the crash; with a
     * file, writes it there too before the crash goes on to end the process. A write that fails keeps it in memory.
     */
    fun freeze(nowMs: Long) {
        val frozen = synchronized(lock) {
            trim(nowMs)
            entries.map { it.item }.also { snapshot = it }
        }
        try {
            frozenFile?.write(frozen, nowMs)
        } catch (_: Exception) {
            // The crash goes on whatever happens here; this process may still live to send the minute itself.
        }
    }

    /**
     * Takes back the minute an earlier process froze at its crash, unless this one has frozen its own since; called
     * as the client starts, before its first poll, which may bring the session the crash opened.
     */
    fun restore(nowMs: Long) {
        val restored = frozenFile?.read(nowMs) ?: return
        synchronized(lock) { if (snapshot == null) snapshot = restored }
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
        frozenFile?.delete()
        return items.map { item -> TelemetryItem(item.kind, item.id, JsonObject(item.toJson() + ("preSession" to JsonPrimitive(true)))) }
    }

    fun clear() {
        synchronized(lock) {
            entries.clear()
            bytes = 0
            snapshot = null
        }
        frozenFile?.delete()
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
