// A fake clock with timers that fire only when the test advances time, and randomness the test fixes.
package dev.remotediagnostics.sdk.support

import dev.remotediagnostics.sdk.Cancellable
import dev.remotediagnostics.sdk.SdkClock
import dev.remotediagnostics.sdk.SdkRandom
import dev.remotediagnostics.sdk.SdkTimers

class ManualRuntime(start: Long = System.currentTimeMillis()) : SdkClock, SdkTimers, SdkRandom {
    private class Task(val dueAt: Long, val order: Long, val action: suspend () -> Unit) {
        @Volatile var cancelled = false
    }

    private val lock = Any()
    private val tasks = ArrayList<Task>()
    private var sequence = 0L

    @Volatile
    private var now = start

    /** What `nextDouble()` answers: 0 means "no jitter", 1 the most. */
    @Volatile
    var randomValue = 0.0
    private val bytes = java.util.Random(42)

    override fun nowMs(): Long = now

    override fun schedule(delayMs: Long, action: suspend () -> Unit): Cancellable {
        val task = synchronized(lock) { Task(now + maxOf(0, delayMs), sequence++, action).also { tasks += it } }
        return Cancellable {
            task.cancelled = true
            synchronized(lock) { tasks.remove(task) }
        }
    }

    override fun nextDouble(): Double = randomValue

    override fun nextBytes(bytes: ByteArray) = synchronized(this.bytes) { this.bytes.nextBytes(bytes) }

    /** Moves the clock forward, running every timer that falls due on the way (in order, each to its end). */
    suspend fun advance(ms: Long) {
        val target = now + ms
        while (true) {
            val next = synchronized(lock) {
                tasks.filter { !it.cancelled && it.dueAt <= target }.minWithOrNull(compareBy<Task>({ it.dueAt }, { it.order }))?.also { tasks.remove(it) }
            } ?: break
            now = maxOf(now, next.dueAt)
            next.action()
        }
        now = target
    }

    /** Due times of the armed timers, relative to now. */
    fun pendingDelays(): List<Long> = synchronized(lock) { tasks.filter { !it.cancelled }.map { it.dueAt - now }.sorted() }
}
