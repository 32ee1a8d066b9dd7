// The platform seams: screenshots, app lifecycle and device state. Android implements them with PixelCopy,
// ProcessLifecycleOwner, BatteryManager/PowerManager/ActivityManager (see README, "Android glue"); the JVM
// implementations here serve desktop apps and the tests.
package dev.remotediagnostics.sdk

import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.util.concurrent.CopyOnWriteArrayList
import javax.imageio.ImageIO

enum class ScreenshotFormat(val wire: String) { PNG("png"), JPEG("jpeg"), WEBP("webp") }

enum class ScreenshotTrigger(val wire: String) { MANUAL("manual"), ERROR("error"), BREADCRUMB("breadcrumb") }

/** Image bytes and what they are; the server checks the bytes against this declaration. */
class Screenshot(val bytes: ByteArray, val format: ScreenshotFormat, val width: Int, val height: Int)

/** Captures what the user sees. On Android: PixelCopy of the current window. */
fun interface ScreenshotSource {
    suspend fun capture(): Screenshot?
}

/** A JVM screenshot source: renders an image (a Swing component, a test picture) and encodes it as PNG. */
class RenderedImageScreenshotSource(private val render: () -> BufferedImage?) : ScreenshotSource {
    override suspend fun capture(): Screenshot? {
        val image = render() ?: return null
        val bytes = ByteArrayOutputStream().use { output ->
            check(ImageIO.write(image, "png", output)) { "no PNG writer" }
            output.toByteArray()
        }
        return Screenshot(bytes, ScreenshotFormat.PNG, image.width, image.height)
    }
}

enum class LifecycleEvent { FOREGROUND, BACKGROUND }

/** App lifecycle: foreground re-checks for a session (if the poll interval allows), background flushes. */
fun interface LifecycleSource {
    fun observe(listener: (LifecycleEvent) -> Unit): Cancellable
}

/** A lifecycle driven by hand: desktop apps call it from window events, tests from the test. */
class ManualLifecycle : LifecycleSource {
    private val listeners = CopyOnWriteArrayList<(LifecycleEvent) -> Unit>()

    override fun observe(listener: (LifecycleEvent) -> Unit): Cancellable {
        listeners += listener
        return Cancellable { listeners -= listener }
    }

    fun emit(event: LifecycleEvent) = listeners.forEach { it(event) }
}

/** What the device is going through, attached to errors and to each batch's device context. */
data class DeviceState(
    val memoryMb: Double? = null,
    val lowMemory: Boolean? = null,
    val batteryPercent: Int? = null,
    val charging: Boolean? = null,
    /** e.g. none, light, moderate, severe, critical (Android's thermal status names). */
    val thermal: String? = null,
    val connectivity: String? = null,
)

fun interface DeviceStateSource {
    fun snapshot(): DeviceState
}

/** The JVM's view: heap in use and whether it is close to the limit; no battery or thermal sensors. */
class JvmDeviceStateSource(private val runtime: Runtime = Runtime.getRuntime()) : DeviceStateSource {
    override fun snapshot(): DeviceState {
        val used = runtime.totalMemory() - runtime.freeMemory()
        return DeviceState(memoryMb = used / (1024.0 * 1024.0), lowMemory = used > runtime.maxMemory() * 0.9)
    }
}

internal fun DeviceState.asAttributes(): Map<String, Any?> = buildMap {
    memoryMb?.let { put("memoryMb", Math.round(it * 10) / 10.0) }
    lowMemory?.let { put("lowMemory", it) }
    batteryPercent?.let { put("batteryPercent", it) }
    charging?.let { put("charging", it) }
    thermal?.let { put("thermal", it) }
    connectivity?.let { put("connectivity", it) }
}
