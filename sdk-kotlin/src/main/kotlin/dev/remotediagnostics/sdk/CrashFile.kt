// What a crash leaves for the app's next start, on Android where the crash ends the process: the minute frozen for the
// crash session (PreCrashBuffer.kt) and a crash report the server did not confirm (Signals.kt). Each is one file of
// lines in the directory the app names (`DiagnosticsOptions.crashDirectory`).
package dev.remotediagnostics.sdk

import java.io.File
import java.io.IOException
import java.nio.file.Files
import java.nio.file.StandardCopyOption
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

/**
 * One file of lines, written to a partial file and moved into place: a process killed part-way leaves the previous
 * file or none, never half of one. What it holds is the user's data until sent, so callers delete it once it is.
 * Writes and deletes take turns: two threads crashing at once would otherwise write the one partial file together.
 */
internal class CrashFile(directory: File, name: String) {
    val file = File(directory, name)
    private val partial = File(directory, "$name.partial")

    @Synchronized
    fun write(lines: List<String>) {
        file.parentFile?.mkdirs()
        partial.bufferedWriter(Charsets.UTF_8).use { out ->
            lines.forEachIndexed { index, line ->
                if (index > 0) out.newLine()
                out.write(line)
            }
        }
        Files.move(partial.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE)
    }

    /** The lines written, or null when there is no file. */
    fun readLines(): List<String>? = if (file.isFile) file.readLines(Charsets.UTF_8) else null

    /** Items with what they need to be sent later: a header object on the first line, then one item's wire JSON per line. */
    fun writeItems(header: JsonObject, items: List<TelemetryItem>) = write(listOf(header.toString()) + items.map { it.encoded })

    /** The header and items [writeItems] wrote, or null when there is no file; throws on a file that does not read so. */
    fun readItems(): Pair<JsonObject, List<TelemetryItem>>? {
        val lines = readLines() ?: return null
        val header = wireJson.parseToJsonElement(lines.first()).jsonObject
        return header to lines.drop(1).filter { it.isNotBlank() }.map { line ->
            val json = wireJson.parseToJsonElement(line).jsonObject
            // A span's id is its span id.
            val id = (json["id"] ?: json["spanId"])?.jsonPrimitive?.content ?: error("an item without an id")
            TelemetryItem(json.getValue("kind").jsonPrimitive.content, id, json)
        }
    }

    @Synchronized
    fun delete() {
        try {
            Files.deleteIfExists(file.toPath())
            Files.deleteIfExists(partial.toPath())
        } catch (_: IOException) {
            // Nothing else to do: the next start tries again, and the readers' own bounds (age, the server's) still hold.
        }
    }
}
