// The shared fixtures, read from the Kotlin side: the JSON Schemas accept every valid example and refuse every
// invalid one (so a body they pass is one the server takes), and the SDK's config parser agrees with the server
// about which config answers are usable, and the SDK fingerprints errors and templates routes exactly as the
// TypeScript SDK does.
package dev.remotediagnostics.sdk

import dev.remotediagnostics.sdk.support.WireContract
import java.nio.file.Files
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows

class WireContractTest {
    @TestFactory
    fun `the schemas agree with the server about every example`(): List<DynamicTest> = listOf("ingest-batch", "consent-body", "device-config", "signal-batch").flatMap { contract ->
        val (valid, invalid) = WireContract.examples(contract)
        valid.map { example ->
            DynamicTest.dynamicTest("$contract accepts ${example.name}") { WireContract.assertValid(contract, example.body.toString()) }
        } + invalid.map { example ->
            DynamicTest.dynamicTest("$contract refuses ${example.name}") {
                val errors = WireContract.errors(contract, example.body.toString())
                assertTrue(errors.isNotEmpty(), "expected a refusal at ${example.path}")
            }
        }
    }

    @TestFactory
    fun `the config parser reads every valid answer and refuses every invalid one`(): List<DynamicTest> {
        val (valid, invalid) = WireContract.examples("device-config")
        return valid.map { example ->
            DynamicTest.dynamicTest("reads ${example.name}") {
                val config = parseDeviceConfig(example.body.toString())
                val session = (example.body as kotlinx.serialization.json.JsonObject)["session"] as? kotlinx.serialization.json.JsonObject
                assertEquals(session?.get("id")?.toString()?.trim('"'), config.session?.id)
                if (session != null) assertEquals(session["ingestToken"].toString().trim('"'), config.session!!.ingestToken)
                assertEquals(session?.get("uploadPreSessionBuffer")?.toString() == "true", config.session?.uploadPreSessionBuffer == true)
            }
        } + invalid.map { example ->
            DynamicTest.dynamicTest("refuses ${example.name}") { assertThrows<WireFormatException> { parseDeviceConfig(example.body.toString()) } }
        }
    }

    @TestFactory
    fun `errors get the fingerprints the TypeScript SDK gives them`(): List<DynamicTest> {
        val root = Json.parseToJsonElement(Files.readString(WireContract.fixtures.resolve("error-fingerprints.json"))) as JsonObject
        val cases = (root["cases"] as JsonArray).map { it as JsonObject }
        assertTrue(cases.size >= 10)
        return cases.map { case ->
            fun text(name: String) = case[name]!!.jsonPrimitive.content
            DynamicTest.dynamicTest(text("name")) { assertEquals(text("fingerprint"), errorFingerprint(text("type"), text("stack"))) }
        }
    }

    @TestFactory
    fun `URLs get the route templates the TypeScript SDK gives them`(): List<DynamicTest> {
        val root = Json.parseToJsonElement(Files.readString(WireContract.fixtures.resolve("route-templates.json"))) as JsonObject
        val cases = (root["cases"] as JsonArray).map { it as JsonObject }
        assertTrue(cases.size >= 15)
        return cases.map { case ->
            fun text(name: String) = case[name]!!.jsonPrimitive.content
            DynamicTest.dynamicTest(text("name")) { assertEquals(text("route"), routeTemplate(text("url"))) }
        }
    }
}
