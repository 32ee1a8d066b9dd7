// Screenshot upload through the server's SAS flow: declare it (format, size, dimensions) with the ingest token,
// PUT the bytes straight to Blob storage with the short-lived create-only link, then confirm so the server
// checks the real bytes against the declaration.
package dev.remotediagnostics.sdk

import java.io.IOException
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import okhttp3.MediaType.Companion.toMediaTypeOrNull
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody

internal class ScreenshotUpload(
    val http: OkHttpClient,
    val baseUrl: String,
    val productKey: String,
    val target: SessionTarget,
    val capturedAt: String,
    val trigger: ScreenshotTrigger,
    val relatedItemId: String?,
)

/** Uploads one screenshot; returns its id once the server confirmed the bytes. */
internal suspend fun uploadScreenshot(upload: ScreenshotUpload, shot: Screenshot): String {
    val sessionPath = "${upload.baseUrl}/api/diagnostics/sessions/${upload.target.sessionId}/screenshots"
    val declaration = buildJsonObject {
        put("format", shot.format.wire)
        put("sizeBytes", shot.bytes.size)
        put("width", shot.width)
        put("height", shot.height)
        put("capturedAt", upload.capturedAt)
        put("trigger", upload.trigger.wire)
        upload.relatedItemId?.let { put("relatedItemId", it) }
    }
    val declared = upload.http.newCall(
        Request.Builder().url(sessionPath).deviceHeaders(upload.productKey, upload.target.ingestToken)
            .post(declaration.toString().toRequestBody(jsonMediaType)).build(),
    ).await().use { response ->
        if (!response.isSuccessful) throw IOException("screenshot request answered ${response.code}")
        wireJson.parseToJsonElement(response.body.string()) as? JsonObject
    }
    val id = (declared?.get("screenshot") as? JsonObject)?.get("id")?.jsonPrimitive?.content
    val instructions = declared?.get("upload") as? JsonObject
    val url = instructions?.get("url")?.jsonPrimitive?.content
    if (id == null || url == null) throw IOException("screenshot request answered without an id and upload link")
    val method = instructions["method"]?.jsonPrimitive?.content ?: "PUT"
    val headers = (instructions["headers"] as? JsonObject).orEmpty().mapValues { it.value.jsonPrimitive.content }
    val put = Request.Builder().url(url)
    headers.forEach { (name, value) -> put.header(name, value) }
    put.method(method, shot.bytes.toRequestBody(headers.entries.firstOrNull { it.key.equals("content-type", true) }?.value?.toMediaTypeOrNull()))
    upload.http.newCall(put.build()).await().use { response ->
        if (!response.isSuccessful) throw IOException("screenshot upload answered ${response.code}")
    }
    val status = upload.http.newCall(
        Request.Builder().url("$sessionPath/$id/confirm").deviceHeaders(upload.productKey, upload.target.ingestToken)
            .post(ByteArray(0).toRequestBody(null)).build(),
    ).await().use { response ->
        if (!response.isSuccessful) throw IOException("screenshot confirm answered ${response.code}")
        val view = runCatching { wireJson.parseToJsonElement(response.body.string()) as? JsonObject }.getOrNull()
        view?.primitive("status") ?: (view?.get("screenshot") as? JsonObject)?.primitive("status") ?: "confirmed"
    }
    if (status == "rejected") throw IOException("screenshot $id was rejected by the server")
    return id
}
