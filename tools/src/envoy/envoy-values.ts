// Value shapes the Envoy renderer writes again and again: typed extension configs, percentages
// and the plain JSON object type every rendered fragment has. Envoy reads its YAML as protobuf
// JSON, so field names here are the v3 API's snake_case names, verbatim.

/** A fragment of Envoy configuration, as protobuf JSON. */
export type EnvoyJson = { [field: string]: unknown };

/** A typed config: the message's fields under Envoy's `@type` discriminator. */
export function typedConfig(messageType: string, fields: EnvoyJson = {}): EnvoyJson {
  return { "@type": `type.googleapis.com/${messageType}`, ...fields };
}

/** A named extension (HTTP filter, network filter, predicate) with its typed config. */
export function namedExtension(name: string, messageType: string, fields: EnvoyJson = {}): EnvoyJson {
  return { name, typed_config: typedConfig(messageType, fields) };
}

/** A fraction (0..1) as Envoy's `Percent` value (0..100), without float noise (0.2 → 20, not 20.000000000000004). */
export function percentOf(fraction: number): number {
  return Math.round(fraction * 10_000) / 100;
}

/** A runtime fractional percent fixed at 100%: filters that default to "off" are switched fully on. */
export function alwaysOn(runtimeKey: string): EnvoyJson {
  return { runtime_key: runtimeKey, default_value: { numerator: 100, denominator: "HUNDRED" } };
}

/** `fields` without the keys whose value is undefined, so optional parts vanish from the YAML. */
export function withoutUndefined(fields: EnvoyJson): EnvoyJson {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
