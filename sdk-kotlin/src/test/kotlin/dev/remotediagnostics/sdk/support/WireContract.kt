// The shared wire contract (sdk-contract/fixtures, generated from the server's zod schemas): every body the SDK
// sends in these tests must validate against the same JSON Schemas the TypeScript side is checked with.
package dev.remotediagnostics.sdk.support

import com.networknt.schema.InputFormat
import com.networknt.schema.Schema
import com.networknt.schema.SchemaRegistry
import com.networknt.schema.SpecificationVersion
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals

object WireContract {
    val fixtures: Path = listOf(Paths.get("../sdk-contract/fixtures"), Paths.get("sdk-contract/fixtures"))
        .firstOrNull { Files.isDirectory(it) } ?: error("sdk-contract/fixtures not found: run from sdk-kotlin/")

    private val registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
    private val schemas = HashMap<String, Schema>()

    private fun schema(name: String): Schema = synchronized(schemas) {
        schemas.getOrPut(name) { registry.getSchema(Files.readString(fixtures.resolve("$name.schema.json")), InputFormat.JSON) }
    }

    /** The schema's complaints about a body (empty when it is valid). */
    fun errors(name: String, body: String): List<String> = schema(name).validate(body, InputFormat.JSON).map { "${it.instanceLocation}: ${it.message}" }

    fun assertValid(name: String, body: String) = assertEquals(emptyList<String>(), errors(name, body), "a $name the server would refuse: ${body.take(300)}")

    class Example(val name: String, val body: JsonElement, val path: String?)

    /** The named valid and invalid examples of one contract. */
    fun examples(name: String): Pair<List<Example>, List<Example>> {
        val root = Json.parseToJsonElement(Files.readString(fixtures.resolve("$name.examples.json"))) as JsonObject
        fun read(key: String) = (root[key] as JsonArray).map { entry ->
            entry as JsonObject
            Example(entry["name"]!!.jsonPrimitive.content, entry["body"]!!, entry["path"]?.jsonPrimitive?.content)
        }
        return read("valid") to read("invalid")
    }
}
