// A client wired to a scripted server and the manual runtime, with the SDK's own errors collected.
package dev.remotediagnostics.sdk.support

import dev.remotediagnostics.sdk.DeviceIdentity
import dev.remotediagnostics.sdk.DiagnosticsClient
import dev.remotediagnostics.sdk.DiagnosticsOptions
import java.util.concurrent.CopyOnWriteArrayList

class TestClient(val client: DiagnosticsClient, val runtime: ManualRuntime, val errors: List<Exception>)

fun testClient(server: ScriptedServer, runtime: ManualRuntime = ManualRuntime(), adjust: (DiagnosticsOptions) -> DiagnosticsOptions = { it }): TestClient {
    val errors = CopyOnWriteArrayList<Exception>()
    val options = DiagnosticsOptions(
        endpoint = server.url,
        productKey = PRODUCT_KEY,
        identity = DeviceIdentity(deviceId = "device-1"),
        appVersion = "2.7.0",
        captureUncaught = false,
        initialPollIntervalMs = 5_000,
        clock = runtime,
        timers = runtime,
        random = runtime,
        onError = { errors += it },
    )
    return TestClient(DiagnosticsClient(adjust(options)), runtime, errors)
}
