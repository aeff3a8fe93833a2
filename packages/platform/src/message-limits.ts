// The size limit on a single message, shared by servers (requests) and clients (responses):
// Connect's own default (4 GiB) is no limit at all.

/** gRPC's customary limit on one message, measured after decompression. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
