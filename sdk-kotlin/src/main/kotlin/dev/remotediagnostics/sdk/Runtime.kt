// The SDK's view of time, randomness and timers: injectable, so the core is tested on a fake clock.
package dev.remotediagnostics.sdk

import java.security.SecureRandom
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch

/** Wall-clock time in epoch milliseconds. */
fun interface SdkClock {
    fun nowMs(): Long
}

object SystemClock : SdkClock {
    override fun nowMs(): Long = System.currentTimeMillis()
}

interface SdkRandom {
    /** Uniform in [0, 1). */
    fun nextDouble(): Double
    fun nextBytes(bytes: ByteArray)
}

class SecureSdkRandom(private val random: SecureRandom = SecureRandom()) : SdkRandom {
    override fun nextDouble(): Double = random.nextDouble()
    override fun nextBytes(bytes: ByteArray) = random.nextBytes(bytes)
}

fun interface Cancellable {
    fun cancel()
}

/** One-shot timers; the poller and the sender each keep at most one armed. */
fun interface SdkTimers {
    fun schedule(delayMs: Long, action: suspend () -> Unit): Cancellable
}

/** Production timers: a coroutine per timer in the client's scope. */
class CoroutineTimers(private val scope: CoroutineScope) : SdkTimers {
    override fun schedule(delayMs: Long, action: suspend () -> Unit): Cancellable {
        val job = scope.launch {
            delay(delayMs)
            action()
        }
        return Cancellable { job.cancel() }
    }
}

private val hexDigits = "0123456789abcdef".toCharArray()

/** Lower-case hex of `byteCount` random bytes, never all zero (W3C trace context treats that as invalid). */
fun randomHexId(random: SdkRandom, byteCount: Int): String {
    val bytes = ByteArray(byteCount)
    do random.nextBytes(bytes) while (bytes.all { it == 0.toByte() })
    val text = CharArray(byteCount * 2)
    bytes.forEachIndexed { index, byte ->
        text[index * 2] = hexDigits[(byte.toInt() shr 4) and 0xf]
        text[index * 2 + 1] = hexDigits[byte.toInt() and 0xf]
    }
    return String(text)
}
