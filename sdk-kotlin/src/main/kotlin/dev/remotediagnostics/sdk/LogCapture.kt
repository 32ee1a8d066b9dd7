// Console capture for the JVM: a java.util.logging handler that forwards the app's log records while the session
// has `capture.console` on, at the console threshold of its collection level (as the TypeScript SDK does for console.*).
package dev.remotediagnostics.sdk

import java.util.logging.Handler
import java.util.logging.Level
import java.util.logging.LogRecord

/** The console threshold per collection level: standard keeps warnings and errors, debug adds info, trace all. */
internal fun consoleThreshold(level: CollectionLevel): LogLevel = when (level) {
    CollectionLevel.STANDARD -> LogLevel.WARN
    CollectionLevel.DEBUG -> LogLevel.INFO
    CollectionLevel.TRACE -> LogLevel.TRACE
}

internal fun logLevelOf(level: Level): LogLevel = when {
    level.intValue() >= Level.SEVERE.intValue() -> LogLevel.ERROR
    level.intValue() >= Level.WARNING.intValue() -> LogLevel.WARN
    level.intValue() >= Level.INFO.intValue() -> LogLevel.INFO
    level.intValue() >= Level.FINE.intValue() -> LogLevel.DEBUG
    else -> LogLevel.TRACE
}

/** Add to a java.util.logging logger (`Logger.getLogger("").addHandler(diagnostics.logHandler())`). */
class DiagnosticsLogHandler internal constructor(private val sink: (LogLevel, String, String?, Throwable?) -> Unit) : Handler() {
    override fun publish(record: LogRecord?) {
        record ?: return
        val parameters = record.parameters
        // As java.util.logging's own formatters do: a message is a pattern only when it comes with parameters.
        val message = if (parameters.isNullOrEmpty()) {
            record.message.orEmpty()
        } else {
            try {
                java.text.MessageFormat.format(record.message.orEmpty(), *parameters)
            } catch (_: IllegalArgumentException) {
                record.message.orEmpty()
            }
        }
        sink(logLevelOf(record.level), message, record.loggerName, record.thrown)
    }

    override fun flush() = Unit

    override fun close() = Unit
}
