// Turns whatever the app passes as context into JSON the server accepts: bounded depth and keys,
// no cycles, throwables as plain objects, long strings clipped.
package dev.remotediagnostics.sdk

import java.time.temporal.TemporalAccessor
import java.util.Date
import java.util.IdentityHashMap
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

const val MAX_ATTRIBUTE_DEPTH = 6
const val MAX_ATTRIBUTE_KEYS = 128

typealias Attributes = Map<String, Any?>

fun boundAttributes(value: Attributes): JsonObject = copyMap(value, 1, IdentityHashMap())

private fun copyMap(value: Map<*, *>, depth: Int, seen: IdentityHashMap<Any, Unit>): JsonObject {
    seen[value] = Unit
    val copy = LinkedHashMap<String, JsonElement>()
    for ((key, child) in value) {
        if (copy.size >= MAX_ATTRIBUTE_KEYS) break
        copy[clip(key.toString(), 256)] = copyValue(child, depth, seen) ?: continue
    }
    seen.remove(value)
    return JsonObject(copy)
}

private fun copyValue(value: Any?, depth: Int, seen: IdentityHashMap<Any, Unit>): JsonElement? {
    when (value) {
        null -> return JsonNull
        is String -> return JsonPrimitive(clip(value, MAX_MESSAGE_LENGTH))
        is Boolean -> return JsonPrimitive(value)
        is Double -> return if (value.isFinite()) JsonPrimitive(value) else JsonPrimitive(value.toString())
        is Float -> return if (value.isFinite()) JsonPrimitive(value) else JsonPrimitive(value.toString())
        is Int, is Long, is Short, is Byte -> return JsonPrimitive(value as Number)
        is Number -> return JsonPrimitive(value.toString())
        is Char -> return JsonPrimitive(value.toString())
        is Enum<*> -> return JsonPrimitive(value.name)
        is Date -> return JsonPrimitive(value.toInstant().toString())
        is TemporalAccessor -> return JsonPrimitive(value.toString())
        is Throwable -> return JsonObject(
            mapOf("type" to JsonPrimitive(value.javaClass.name), "message" to JsonPrimitive(clip(value.message.orEmpty(), MAX_MESSAGE_LENGTH))),
        )
        is JsonPrimitive -> return value
        is Function<*> -> return null
    }
    if (seen.containsKey(value)) return JsonPrimitive("[Circular]")
    // `depth` counts the enclosing objects; the server allows MAX_ATTRIBUTE_DEPTH levels in all.
    if (depth >= MAX_ATTRIBUTE_DEPTH) return JsonPrimitive("[Truncated]")
    return when (value) {
        is Map<*, *> -> copyMap(value, depth + 1, seen)
        is JsonObject -> copyMap(value, depth + 1, seen)
        is Iterable<*> -> copyList(value.take(MAX_ATTRIBUTE_KEYS + 1), depth, seen, value)
        is Array<*> -> copyList(value.take(MAX_ATTRIBUTE_KEYS + 1), depth, seen, value)
        else -> JsonPrimitive(clip(value.toString(), MAX_MESSAGE_LENGTH))
    }
}

private fun copyList(items: List<Any?>, depth: Int, seen: IdentityHashMap<Any, Unit>, owner: Any): JsonArray {
    seen[owner] = Unit
    val copy = items.take(MAX_ATTRIBUTE_KEYS).map { copyValue(it, depth + 1, seen) ?: JsonNull }
    seen.remove(owner)
    return JsonArray(copy)
}
