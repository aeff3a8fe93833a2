// The types a google.protobuf.Any in a service's messages may hold: the JSON codec must know
// them to read or write such a field, on the server and on the client.
import { createRegistry, type DescFile, type DescService, type Registry } from "@bufbuild/protobuf";

/** Every type of the files defining `services` and of the files they import. */
export function contractRegistry(services: readonly DescService[]): Registry {
  const files = new Set<DescFile>();
  const visit = (file: DescFile) => {
    if (files.has(file)) return;
    files.add(file);
    file.dependencies.forEach(visit);
  };
  for (const service of services) visit(service.file);
  return createRegistry(...files);
}
