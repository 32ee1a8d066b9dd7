// End to end through the real local host (started by run-tests.sh): a device's per-minute signals, sent without a
// session on close, land in the product's series: requests, 5xx and latency by route template, errors by fingerprint,
// read back through GET /api/diagnostics/products/{productId}/series.
package dev.remotediagnostics.sdk

import java.time.Instant
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.doubleOrNull
import kotlinx.serialization.json.jsonPrimitive
import mockwebserver3.MockResponse
import mockwebserver3.MockWebServer
import okhttp3.HttpUrl.Companion.toHttpUrl
import okhttp3.OkHttpClient
import okhttp3.Request
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable

@Tag("e2e")
@EnabledIfEnvironmentVariable(named = "DIAGNOSTICS_E2E_URL", matches = "http.+")
class SignalsE2eTest {
    private val hostUrl = System.getenv("DIAGNOSTICS_E2E_URL")!!.trimEnd('/')
    private val productKey = System.getenv("DIAGNOSTICS_E2E_KEY")!!
    private val adminToken = System.getenv("DIAGNOSTICS_E2E_ADMIN")!!
    private val plain = OkHttpClient()

    /** The series' points with data, as (value, samples), read by the admin. */
    private fun points(name: String, filter: Pair<String, String>, from: Instant): List<Pair<Double, Double>> {
        val url = "$hostUrl/api/diagnostics/products/demo/series".toHttpUrl().newBuilder()
            .addQueryParameter("name", name).addQueryParameter(filter.first, filter.second).addQueryParameter("from", from.toString()).build()
        val text = plain.newCall(Request.Builder().url(url).header("authorization", "Bearer $adminToken").build()).execute().use {
            val body = it.body.string()
            assertEquals(200, it.code, "$url answered ${it.code}: ${body.take(300)}")
            body
        }
        return ((Json.parseToJsonElement(text) as JsonObject)["points"] as JsonArray).map { it as JsonObject }
            .filter { (it["value"] as? JsonPrimitive)?.doubleOrNull != null }
            .map { it["value"]!!.jsonPrimitive.content.toDouble() to (it["samples"]?.jsonPrimitive?.content?.toDouble() ?: 0.0) }
    }

    @Test
    fun `per-minute counters sent on close land in the product's series`() = runBlocking {
        val upstream = MockWebServer().apply { start() }
        upstream.enqueue(MockResponse.Builder().code(200).body("{}").build())
        upstream.enqueue(MockResponse.Builder().code(503).body("{}").build())
        val errors = ArrayList<Exception>()
        val client = DiagnosticsClient(
            DiagnosticsOptions(
                endpoint = hostUrl,
                productKey = productKey,
                identity = DeviceIdentity(deviceId = "kotlin-signals-device"),
                appVersion = "3.1.0",
                captureUncaught = false,
                signals = SignalOptions(intervalMs = 60_000),
                onError = { synchronized(errors) { errors += it } },
            ),
        )
        val from = Instant.now().minusSeconds(120)
        client.start()
        val app = OkHttpClient.Builder().addInterceptor(client.okHttpInterceptor()).build()
        for (path in listOf("/kotlin-signals/orders/1234?coupon=x", "/kotlin-signals/orders/5678")) {
            app.newCall(Request.Builder().url(upstream.url(path)).build()).execute().close()
        }
        val failure = IllegalStateException("kotlin signals e2e")
        client.captureError(failure)
        client.close()
        upstream.close()
        assertEquals(emptyList<String>(), synchronized(errors) { errors.map { it.message } })

        val route = "route" to "/kotlin-signals/orders/{id}"
        assertEquals(2.0, points("requests", route, from).sumOf { it.first })
        assertEquals(1.0, points("http_5xx", route, from).sumOf { it.first })
        val latency = points("latency_p95", route, from)
        assertEquals(2.0, latency.sumOf { it.second }, "both requests measured: $latency")
        assertTrue(latency.all { it.first >= 0 })
        assertEquals(1.0, points("errors", "fingerprint" to errorFingerprint(failure), from).sumOf { it.first })
    }
}
