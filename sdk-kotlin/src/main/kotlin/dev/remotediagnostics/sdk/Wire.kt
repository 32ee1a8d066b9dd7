// The wire types the SDK sends and reads, mirrored from the server's zod schemas (shared/domain/telemetry/items.ts,
// shared/domain/sessions/device-config.ts); the tests check every payload against the JSON Schemas generated
// from those (sdk-contract/fixtures), the same fixtures the TypeScript side checks.
package dev.remotediagnostics.sdk

import java.time.Instant
import java.time.OffsetDateTime
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.intOrNull
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.put

const val MAX_ITEMS_PER_BATCH = 50
const val MAX_MESSAGE_LENGTH = 8 * 1024
const val MAX_STACK_LENGTH = 32 * 1024
const val MAX_URL_LENGTH = 4 * 1024
const val MAX_BODY_CAPTURE_LENGTH = 16 * 1024
const val SDK_VERSION = "kotlin/0.1.0"

enum class LogLevel(val wire: String) {
    TRACE("trace"), DEBUG("debug"), INFO("info"), WARN("warn"), ERROR("error"), FATAL("fatal");

    fun atLeast(threshold: LogLevel): Boolean = ordinal >= threshold.ordinal
}

enum class CollectionLevel(val wire: String, val logThreshold: LogLevel) {
    STANDARD("standard", LogLevel.INFO), DEBUG("debug", LogLevel.DEBUG), TRACE("trace", LogLevel.TRACE);

    companion object {
        fun fromWire(text: String): CollectionLevel? = entries.firstOrNull { it.wire == text }
    }
}

enum class ConsentStatus(val wire: String) {
    NOT_REQUIRED("not_required"), PENDING("pending"), GRANTED("granted"), DENIED("denied");

    companion object {
        fun fromWire(text: String): ConsentStatus? = entries.firstOrNull { it.wire == text }
    }
}

data class CaptureFlags(
    val logs: Boolean = true,
    val traces: Boolean = true,
    val breadcrumbs: Boolean = true,
    val network: Boolean = false,
    val console: Boolean = false,
    val screenshots: Boolean = false,
    val screenshotOnError: Boolean = false,
)

/** The session part of the config answer. */
data class ActiveSession(
    val id: String,
    val paused: Boolean,
    val collectionLevel: CollectionLevel,
    val capture: CaptureFlags,
    val expiresAt: String,
    val expiresAtMs: Long,
    val consentRequired: Boolean,
    val consentStatus: ConsentStatus,
    val ingestToken: String,
    /** A crash opened this session: it asks for the pre-crash buffer first (the frozen minute before the crash). */
    val uploadPreSessionBuffer: Boolean = false,
)

/** The answer of `GET /api/diagnostics/config`. */
data class DeviceConfig(val active: Boolean, val pollIntervalSeconds: Int, val session: ActiveSession?)

class WireFormatException(message: String) : Exception(message)

internal val wireJson = Json { ignoreUnknownKeys = true }

/**
 * A strict shape check of the config answer: the server is trusted, but a proxy's HTML error page or a
 * half-written body must never become a session.
 */
fun parseDeviceConfig(text: String): DeviceConfig {
    val root = try {
        wireJson.parseToJsonElement(text) as? JsonObject
    } catch (_: Exception) {
        null
    } ?: throw WireFormatException("config poll answered an unexpected body")
    val active = (root["active"] as? JsonPrimitive)?.takeIf { !it.isString }?.booleanOrNull
    val interval = (root["pollIntervalSeconds"] as? JsonPrimitive)?.takeIf { !it.isString }?.intOrNull
    if (active == null || interval == null || interval <= 0) throw WireFormatException("config poll answered an unexpected body")
    val sessionJson = root["session"] as? JsonObject
    if (!active) return DeviceConfig(false, interval, null)
    sessionJson ?: throw WireFormatException("config poll answered an active config without a session")
    fun text(name: String): String = (sessionJson[name] as? JsonPrimitive)?.takeIf { it.isString }?.content
        ?: throw WireFormatException("config session has no usable $name")
    fun flag(from: JsonObject, name: String): Boolean = (from[name] as? JsonPrimitive)?.takeIf { !it.isString }?.booleanOrNull
        ?: throw WireFormatException("config session has no usable $name")
    val captureJson = sessionJson["capture"] as? JsonObject ?: throw WireFormatException("config session has no usable capture")
    val expiresAt = text("expiresAt")
    val expiresAtMs = try {
        OffsetDateTime.parse(expiresAt).toInstant().toEpochMilli()
    } catch (_: Exception) {
        throw WireFormatException("config session has no usable expiresAt")
    }
    val session = ActiveSession(
        id = text("id"),
        paused = when (text("status")) {
            "active" -> false
            "paused" -> true
            else -> throw WireFormatException("config session has no usable status")
        },
        collectionLevel = CollectionLevel.fromWire(text("collectionLevel")) ?: throw WireFormatException("config session has no usable collectionLevel"),
        capture = CaptureFlags(
            logs = flag(captureJson, "logs"),
            traces = flag(captureJson, "traces"),
            breadcrumbs = flag(captureJson, "breadcrumbs"),
            network = flag(captureJson, "network"),
            console = flag(captureJson, "console"),
            screenshots = flag(captureJson, "screenshots"),
            screenshotOnError = flag(captureJson, "screenshotOnError"),
        ),
        expiresAt = expiresAt,
        expiresAtMs = expiresAtMs,
        consentRequired = flag(sessionJson, "consentRequired"),
        consentStatus = ConsentStatus.fromWire(text("consentStatus")) ?: throw WireFormatException("config session has no usable consentStatus"),
        ingestToken = text("ingestToken"),
        uploadPreSessionBuffer = if (sessionJson.containsKey("uploadPreSessionBuffer")) flag(sessionJson, "uploadPreSessionBuffer") else false,
    )
    return DeviceConfig(true, interval, session)
}

/** Device and app context sent with each batch (the server stores it coarse). */
data class DeviceContext(
    val deviceId: String? = null,
    val anonymousId: String? = null,
    val appSessionId: String? = null,
    val platform: String? = null,
    val osVersion: String? = null,
    val appVersion: String? = null,
    val sdkVersion: String? = SDK_VERSION,
    val locale: String? = null,
    val memoryMb: Double? = null,
    val connectivity: String? = null,
) {
    fun toJson(): JsonObject = buildJsonObject {
        deviceId?.let { put("deviceId", clip(it, 128)) }
        anonymousId?.let { put("anonymousId", clip(it, 128)) }
        appSessionId?.let { put("appSessionId", clip(it, 128)) }
        platform?.let { put("platform", clip(it, 64)) }
        osVersion?.let { put("osVersion", clip(it, 64)) }
        appVersion?.let { put("appVersion", clip(it, 64)) }
        sdkVersion?.let { put("sdkVersion", clip(it, 64)) }
        locale?.let { put("locale", clip(it, 32)) }
        memoryMb?.takeIf { it.isFinite() && it >= 0 }?.let { put("memoryMb", it) }
        connectivity?.let { put("connectivity", clip(it, 32)) }
    }
}

/**
 * One telemetry item, encoded once when captured: a retry sends exactly these bytes again (same id, so the
 * server stores it once), and the offline buffer counts its bytes without re-encoding.
 */
class TelemetryItem(val kind: String, val id: String, json: JsonObject) {
    val encoded: String = json.toString()
    val sizeBytes: Int = encoded.toByteArray(Charsets.UTF_8).size

    fun toJson(): JsonObject = wireJson.parseToJsonElement(encoded).jsonObject
    override fun toString(): String = encoded
}

/** Bounded text, so one huge message can never make the server refuse a whole batch. */
fun clip(text: String, maxLength: Int): String = if (text.length <= maxLength) text else text.substring(0, maxLength - 1) + "…"

fun isoTime(epochMs: Long): String = Instant.ofEpochMilli(epochMs).toString()
