// gRPC server reflection (grpc.reflection.v1 and v1alpha), so grpcurl, Postman and other
// tools discover and call a server's services without its .proto files. Every answer that
// carries a file carries its transitive imports too, so the client can resolve every type
// and option (google/api/annotations.proto, google/protobuf/*.proto, ...).
import { create, toBinary, type DescEnum, type DescExtension, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectRouter, type ServiceImpl } from "@connectrpc/connect";
import * as v1 from "@junction/gen/grpc/reflection/v1/reflection_pb";
import * as v1alpha from "@junction/gen/grpc/reflection/v1alpha/reflection_pb";

/** The question of one reflection request (the `message_request` oneof of either version). */
export type ReflectionQuestion = v1.ServerReflectionRequest["messageRequest"] | v1alpha.ServerReflectionRequest["messageRequest"];

/** The answer to one reflection request (the `message_response` oneof, valid for either version). */
export type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/** The services reflection describes, or a function returning them at the time of the request. */
export type ServiceSource = Iterable<DescService> | (() => Iterable<DescService>);

const REFLECTION_SERVICES: readonly DescService[] = [v1.ServerReflection, v1alpha.ServerReflection];
const serializedFiles = new WeakMap<DescFile, Uint8Array>();

/** The files, symbols and extensions behind a set of services, answering reflection questions. */
export class DescriptorIndex {
  /** Fully-qualified names of the described services, sorted. */
  readonly serviceNames: readonly string[];
  readonly #files = new Map<string, DescFile>();
  readonly #symbols = new Map<string, DescFile>();
  readonly #messages = new Set<string>();
  readonly #extensions = new Map<string, Map<number, DescFile>>();

  /** Indexes `services`, their files and every file those import. */
  constructor(services: Iterable<DescService>) {
    const names = new Set<string>();
    for (const service of services) {
      names.add(service.typeName);
      this.#addFile(service.file);
    }
    this.serviceNames = [...names].sort();
  }

  /** Answers one reflection question; unknown names get a NOT_FOUND error answer. */
  answer(question: ReflectionQuestion): ReflectionAnswer {
    switch (question.case) {
      case "listServices":
        return { case: "listServicesResponse", value: { service: this.serviceNames.map((name) => ({ name })) } };
      case "fileByFilename":
        return this.#fileAnswer(this.#files.get(question.value), `file "${question.value}"`);
      case "fileContainingSymbol": {
        const symbol = question.value.replace(/^\./, "");
        return this.#fileAnswer(this.#symbols.get(symbol), `symbol "${symbol}"`);
      }
      case "fileContainingExtension": {
        const { containingType, extensionNumber } = question.value;
        const file = this.#extensions.get(containingType)?.get(extensionNumber);
        return this.#fileAnswer(file, `extension ${extensionNumber} of "${containingType}"`);
      }
      case "allExtensionNumbersOfType": {
        const type = question.value;
        if (!this.#messages.has(type)) return notFound(`message type "${type}"`);
        const numbers = [...(this.#extensions.get(type)?.keys() ?? [])].sort((a, b) => a - b);
        return { case: "allExtensionNumbersResponse", value: { baseTypeName: type, extensionNumber: numbers } };
      }
      default:
        return { case: "errorResponse", value: { errorCode: Code.InvalidArgument, errorMessage: "empty message_request" } };
    }
  }

  /** `file` serialized, followed by every file it imports, directly or not. */
  fileWithImports(file: DescFile): Uint8Array[] {
    const seen = new Set<DescFile>();
    const visit = (current: DescFile): void => {
      if (seen.has(current)) return;
      seen.add(current);
      current.dependencies.forEach(visit);
    };
    visit(file);
    return [...seen].map(serialized);
  }

  #fileAnswer(file: DescFile | undefined, what: string): ReflectionAnswer {
    if (file === undefined) return notFound(what);
    return { case: "fileDescriptorResponse", value: { fileDescriptorProto: this.fileWithImports(file) } };
  }

  #addFile(file: DescFile): void {
    if (this.#files.has(file.proto.name)) return;
    this.#files.set(file.proto.name, file);
    for (const service of file.services) {
      this.#symbols.set(service.typeName, file);
      for (const method of service.methods) this.#symbols.set(`${service.typeName}.${method.name}`, file);
    }
    file.enums.forEach((desc) => this.#addEnum(desc, file));
    file.messages.forEach((desc) => this.#addMessage(desc, file));
    file.extensions.forEach((desc) => this.#addExtension(desc, file));
    file.dependencies.forEach((dependency) => this.#addFile(dependency));
  }

  #addMessage(message: DescMessage, file: DescFile): void {
    this.#symbols.set(message.typeName, file);
    this.#messages.add(message.typeName);
    for (const field of message.fields) this.#symbols.set(`${message.typeName}.${field.name}`, file);
    for (const oneof of message.oneofs) this.#symbols.set(`${message.typeName}.${oneof.name}`, file);
    message.nestedEnums.forEach((desc) => this.#addEnum(desc, file));
    message.nestedMessages.forEach((desc) => this.#addMessage(desc, file));
    message.nestedExtensions.forEach((desc) => this.#addExtension(desc, file));
  }

  #addEnum(desc: DescEnum, file: DescFile): void {
    this.#symbols.set(desc.typeName, file);
    // Enum values are scoped like siblings of their enum, not children of it.
    const scope = desc.typeName.slice(0, Math.max(0, desc.typeName.lastIndexOf(".") + 1));
    for (const value of desc.values) this.#symbols.set(scope + value.name, file);
  }

  #addExtension(extension: DescExtension, file: DescFile): void {
    this.#symbols.set(extension.typeName, file);
    const byNumber = this.#extensions.get(extension.extendee.typeName) ?? new Map<number, DescFile>();
    byNumber.set(extension.number, file);
    this.#extensions.set(extension.extendee.typeName, byNumber);
  }
}

/** grpc.reflection.v1.ServerReflection describing `services` and reflection itself. */
export function reflectionServiceV1(services: ServiceSource): ServiceImpl<typeof v1.ServerReflection> {
  const currentIndex = indexFor(services);
  return {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        const messageResponse = currentIndex().answer(request.messageRequest);
        yield create(v1.ServerReflectionResponseSchema, { validHost: request.host, originalRequest: request, messageResponse });
      }
    },
  };
}

/** grpc.reflection.v1alpha.ServerReflection (older clients) describing `services` and reflection itself. */
export function reflectionServiceV1alpha(services: ServiceSource): ServiceImpl<typeof v1alpha.ServerReflection> {
  const currentIndex = indexFor(services);
  return {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        const messageResponse = currentIndex().answer(request.messageRequest);
        yield create(v1alpha.ServerReflectionResponseSchema, { validHost: request.host, originalRequest: request, messageResponse });
      }
    },
  };
}

/** Registers reflection v1 and v1alpha on `router`, describing every service the router serves (also ones registered later). */
export function registerReflection(router: ConnectRouter): ConnectRouter {
  const served = (): Set<DescService> => new Set(router.handlers.map((handler) => handler.service));
  return router
    .service(v1.ServerReflection, reflectionServiceV1(served))
    .service(v1alpha.ServerReflection, reflectionServiceV1alpha(served));
}

/** The index for `source` plus the reflection services, rebuilt only when the served services change. */
function indexFor(source: ServiceSource): () => DescriptorIndex {
  if (typeof source !== "function") {
    const index = new DescriptorIndex([...source, ...REFLECTION_SERVICES]);
    return () => index;
  }
  let cached: { key: string; index: DescriptorIndex } | undefined;
  return () => {
    const services = [...source(), ...REFLECTION_SERVICES];
    const key = services.map((service) => service.typeName).join(",");
    if (cached?.key !== key) cached = { key, index: new DescriptorIndex(services) };
    return cached.index;
  };
}

function serialized(file: DescFile): Uint8Array {
  let bytes = serializedFiles.get(file);
  if (bytes === undefined) {
    bytes = toBinary(FileDescriptorProtoSchema, file.proto);
    serializedFiles.set(file, bytes);
  }
  return bytes;
}

function notFound(what: string): ReflectionAnswer {
  return { case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage: `${what} not found` } };
}
