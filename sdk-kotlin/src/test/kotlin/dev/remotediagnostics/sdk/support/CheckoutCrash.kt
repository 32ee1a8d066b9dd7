// The checkout crash both crash tests play (on the manual runtime, and end to end against the local host).
package dev.remotediagnostics.sdk.support

/**
 * The minute before the crash as the session's first items must hold it, in order: each item's kind and its message
 * (a network capture's method). `cartUrl` is the cart request the app made.
 */
fun checkoutPreCrashMinute(cartUrl: String): List<Pair<String, String>> = listOf(
    "log" to "opened cart",
    "breadcrumb" to "tapped checkout",
    "network" to "GET",
    "breadcrumb" to "GET $cartUrl -> 200",
    "log" to "payment form slow",
    "log" to "validating card form",
    "breadcrumb" to "java.lang.IllegalStateException: payment total was null",
    "log" to "payment total was null",
)
