// OkHttp calls as suspending functions, and the headers every device write carries.
package dev.remotediagnostics.sdk

import java.io.IOException
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.suspendCancellableCoroutine
import okhttp3.Call
import okhttp3.Callback
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.Request
import okhttp3.Response

internal val jsonMediaType = "application/json".toMediaType()

/** Enqueues the call and suspends until it answers; cancelling the coroutine cancels the call. */
internal suspend fun Call.await(): Response = suspendCancellableCoroutine { continuation ->
    continuation.invokeOnCancellation { cancel() }
    enqueue(
        object : Callback {
            override fun onResponse(call: Call, response: Response) {
                continuation.resume(response) { _, value, _ -> value.close() }
            }

            override fun onFailure(call: Call, e: IOException) {
                continuation.resumeWithException(e)
            }
        },
    )
}

/** Every device write carries the product key and the session's ingest token (`Authorization: Bearer it1.…`). */
internal fun Request.Builder.deviceHeaders(productKey: String, ingestToken: String): Request.Builder =
    header("x-diagnostics-key", productKey).header("authorization", "Bearer $ingestToken")
