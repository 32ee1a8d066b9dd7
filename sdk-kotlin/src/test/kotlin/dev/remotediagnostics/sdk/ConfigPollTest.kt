// The config poll against a scripted server on a fake clock: ETag/304, the server's interval plus jitter,
// Retry-After on 429, backoff on failures, and never polling sooner than allowed.
package dev.remotediagnostics.sdk

import dev.remotediagnostics.sdk.support.PRODUCT_KEY
import dev.remotediagnostics.sdk.support.ScriptedServer
import dev.remotediagnostics.sdk.support.idleConfig
import dev.remotediagnostics.sdk.support.sessionConfig
import dev.remotediagnostics.sdk.support.testClient
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class ConfigPollTest {
    private val server = ScriptedServer()

    @AfterEach
    fun close() = server.close()

    @Test
    fun `sends the product key and identity, then revalidates with the ETag`() = runBlocking {
        server.config(idleConfig(pollIntervalSeconds = 10), etag = "\"idle-1\"")
        val (client, runtime) = testClient(server).let { it.client to it.runtime }
        assertEquals(PollOutcome.CHANGED, client.start())
        val first = server.configPolls().single()
        assertEquals(PRODUCT_KEY, first.headers["x-diagnostics-key"])
        assertEquals("device-1", first.url.queryParameter("deviceId"))
        assertEquals("2.7.0", first.url.queryParameter("appVersion"))
        assertNull(first.headers["if-none-match"])

        runtime.advance(10_000)
        val second = server.configPolls()[1]
        assertEquals("\"idle-1\"", second.headers["if-none-match"])
        assertEquals(false, client.state.value.collecting)
        client.stop()
    }

    @Test
    fun `carries the signed-in user's token, so sessions targeting a user can match`() = runBlocking {
        server.config(idleConfig())
        val test = testClient(server) { it.copy(identity = DeviceIdentity(deviceId = "device-1", userId = "user-42"), userToken = { "user-jwt" }) }
        test.client.start()
        val poll = server.configPolls().single()
        assertEquals("Bearer user-jwt", poll.headers["authorization"])
        assertEquals("user-42", poll.url.queryParameter("userId"))
        test.client.stop()
    }

    @Test
    fun `polls on the server's interval plus at most a fifth of jitter`() = runBlocking {
        server.config(idleConfig(pollIntervalSeconds = 60))
        val test = testClient(server)
        test.runtime.randomValue = 0.5
        test.client.start()
        assertEquals(listOf(66_000L), test.runtime.pendingDelays())
        test.runtime.advance(65_999)
        assertEquals(1, server.configPolls().size)
        test.runtime.advance(1)
        assertEquals(2, server.configPolls().size)
        test.client.stop()
    }

    @Test
    fun `a refresh sooner than the interval does not call the server`() = runBlocking {
        server.config(idleConfig(pollIntervalSeconds = 30))
        val test = testClient(server)
        test.client.start()
        test.runtime.advance(10_000)
        assertEquals(PollOutcome.TOO_SOON, test.client.refresh())
        assertEquals(1, server.configPolls().size)
        test.runtime.advance(21_000)
        assertEquals(2, server.configPolls().size, "the scheduled poll ran at 30 s")
        test.client.stop()
    }

    @Test
    fun `a 429 waits for its Retry-After, never the shorter interval`() = runBlocking {
        server.configStatus(429, retryAfter = "120")
        server.config(idleConfig(pollIntervalSeconds = 5))
        val test = testClient(server)
        assertEquals(PollOutcome.RATE_LIMITED, test.client.start())
        val delay = test.runtime.pendingDelays().single()
        assertTrue(delay in 120_000L..132_000L, "next poll in $delay ms")
        assertEquals(PollOutcome.TOO_SOON, test.client.refresh())
        test.runtime.advance(delay)
        assertEquals(2, server.configPolls().size)
        test.client.stop()
    }

    @Test
    fun `failures back off exponentially from the interval, and a success resets it`() = runBlocking {
        server.config(idleConfig(pollIntervalSeconds = 5))
        repeat(3) { server.configStatus(503) }
        server.config(sessionConfig(pollIntervalSeconds = 5))
        val test = testClient(server)
        test.runtime.randomValue = 1.0
        test.client.start()
        val delays = ArrayList<Long>()
        repeat(4) {
            val delay = test.runtime.pendingDelays().single()
            delays += delay
            test.runtime.advance(delay)
        }
        // 5 s interval, then 503s: base 10 s doubling (equal jitter at its top), then the interval again.
        assertEquals(listOf(6_000L, 10_000L, 20_000L, 40_000L), delays)
        assertEquals(SESSION, test.client.state.value.sessionId)
        assertEquals(3, test.errors.size)
        test.client.stop()
    }

    @Test
    fun `an HTML error page is not a session`() = runBlocking {
        server.config("<html>502 Bad Gateway</html>", etag = null)
        val test = testClient(server)
        assertEquals(PollOutcome.FAILED, test.client.start())
        assertNull(test.client.state.value.sessionId)
        assertTrue(test.errors.single() is WireFormatException)
        test.client.stop()
    }

    private companion object {
        const val SESSION = dev.remotediagnostics.sdk.support.SESSION_ID
    }
}
