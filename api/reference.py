"""The API reference page's content, read from the OpenAPI schema itself.

The page shows the same schema that /api/v1/schema/ serves, in GOV.UK markup:
every endpoint with its parameters and every object with its fields, so the
reference cannot drift from the API.
"""

from dataclasses import dataclass

from drf_spectacular.generators import SchemaGenerator

REF = "#/components/schemas/"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    description: str


@dataclass(frozen=True)
class Endpoint:
    path: str
    summary: str
    description: str
    parameters: list[Field]
    returns: str
    is_list: bool


@dataclass(frozen=True)
class Component:
    name: str
    description: str
    fields: list[Field]


def _ref_name(ref: str) -> str:
    return ref.removeprefix(REF)


def type_text(spec: dict) -> str:
    """Describe a schema's type in words, e.g. 'list of ThemeRef, or null'."""
    if "$ref" in spec:
        text = _ref_name(spec["$ref"])
    elif "allOf" in spec:
        text = " and ".join(type_text(part) for part in spec["allOf"])
    elif spec.get("type") == "array":
        text = f"list of {type_text(spec.get('items', {}))}"
    elif "enum" in spec:
        text = "one of " + ", ".join(str(v) for v in spec["enum"] if v is not None)
    else:
        text = spec.get("type", "any")
        if "format" in spec:
            text += f" ({spec['format']})"
    return f"{text}, or null" if spec.get("nullable") else text


def _fields(component: dict) -> list[Field]:
    return [
        Field(name, type_text(spec), spec.get("description", ""))
        for name, spec in component.get("properties", {}).items()
    ]


def build() -> tuple[list[Endpoint], list[Component]]:
    """Return the endpoints and the objects they answer with, from the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    endpoints = []
    for path, operations in schema["paths"].items():
        operation = operations["get"]
        content = operation["responses"]["200"]["content"]["application/json"]
        returned = _ref_name(content["schema"]["$ref"])
        is_list = returned.startswith("Paginated")
        if is_list:
            items = components[returned]["properties"]["results"]["items"]
            returned = _ref_name(items["$ref"])
        endpoints.append(
            Endpoint(
                path=path,
                summary=operation.get("summary", ""),
                description=operation.get("description", ""),
                parameters=[
                    Field(p["name"], type_text(p["schema"]), p.get("description", ""))
                    for p in operation.get("parameters", [])
                ],
                returns=returned,
                is_list=is_list,
            )
        )
    objects = [
        Component(name, spec.get("description", ""), _fields(spec))
        for name, spec in sorted(components.items())
        if not name.startswith("Paginated") and spec.get("type") == "object"
    ]
    enums = [
        Component(name, spec.get("description", ""), [])
        for name, spec in components.items()
        if "enum" in spec
    ]
    for enum in enums:  # choice codes: shown as a list of their values
        values = ", ".join(str(v) for v in components[enum.name]["enum"] if v)
        objects.append(Component(enum.name, f"One of: {values}.", []))
    return endpoints, sorted(objects, key=lambda c: c.name)
