// Single-use, expiring tokens sent by email (verify an address, reset a password). The token
// itself only travels in the event that asks for the email; the database keeps its SHA-256.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "@junction/gen/google/rpc/error_details_pb";
import { ERROR_DOMAIN } from "@junction/platform";
import type { EmailTokenPurpose, Prisma } from "./generated/prisma/client.js";

/** A freshly issued token: the secret to send and when it stops working. */
export interface IssuedEmailToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** Stores a new token for `userId` inside `tx`; returns the secret, never stored. */
export async function issueEmailToken(
  tx: Prisma.TransactionClient,
  userId: string,
  purpose: EmailTokenPurpose,
  ttlMs: number,
  now = new Date(),
): Promise<IssuedEmailToken> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + ttlMs);
  await tx.emailToken.create({ data: { id: randomUUID(), userId, purpose, tokenHash: hashEmailToken(token), expiresAt, createdAt: now } });
  return { token, expiresAt };
}

/**
 * Marks `token` used inside `tx` and returns its user, or throws INVALID_ARGUMENT naming
 * `field` (reason EMAIL_TOKEN_INVALID) when it is unknown, of another purpose, expired or used.
 * The conditional update makes concurrent redemptions of one token succeed at most once.
 */
export async function redeemEmailToken(
  tx: Prisma.TransactionClient,
  token: string,
  purpose: EmailTokenPurpose,
  field: string,
  now = new Date(),
): Promise<string> {
  const tokenHash = hashEmailToken(token);
  const redeemed = await tx.emailToken.updateManyAndReturn({
    where: { tokenHash, purpose, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
    select: { userId: true },
  });
  const userId = redeemed[0]?.userId;
  if (userId === undefined) throw emailTokenInvalid(field);
  return userId;
}

/** Marks every unused token of `purpose` for `userId` used, e.g. older reset links after a reset. */
export async function retireEmailTokens(tx: Prisma.TransactionClient, userId: string, purpose: EmailTokenPurpose, now = new Date()): Promise<void> {
  await tx.emailToken.updateMany({ where: { userId, purpose, usedAt: null }, data: { usedAt: now } });
}

function hashEmailToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function emailTokenInvalid(field: string): ConnectError {
  const description = "is not valid: it is unknown, expired or already used";
  return new ConnectError(`${field}: ${description}`, Code.InvalidArgument, undefined, [
    { desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: [{ field, description }] }) },
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "EMAIL_TOKEN_INVALID", domain: ERROR_DOMAIN }) },
  ]);
}
