// Profiles: reads go through a Redis read-through cache; changes commit with their event in
// one transaction and then drop the cached copy, so the next read sees them.
import { create, fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { ProfileUpdatedSchema } from "@junction/gen/junction/users/v1/events_pb";
import { ProfileSchema, type Profile } from "@junction/gen/junction/users/v1/users_service_pb";
import { domainError, type Outbox, type ReadThroughCache } from "@junction/platform";
import type { PrismaClient, Profile as ProfileRow } from "./generated/prisma/client.js";
import type { ProfileChanges } from "./profile-validation.js";

/** Cached profiles. Absence is never cached: a profile created by an event shows at once. */
export type ProfileCache = ReadThroughCache<Profile>;

/** The cache codec: proto3 JSON, so timestamps survive the round trip. */
export const profileCodec = {
  encode: (profile: Profile) => toJsonString(ProfileSchema, profile),
  decode: (text: string) => fromJsonString(ProfileSchema, text),
};

/** Reads and changes profiles. */
export class ProfileStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly cache: ProfileCache,
    private readonly outbox: Pick<Outbox, "add">,
  ) {}

  /** The profile of `userId`; NOT_FOUND (PROFILE_NOT_FOUND) while it does not exist or after deactivation. */
  async get(userId: string): Promise<Profile> {
    const { value } = await this.cache.read(userId, async () => {
      const row = await this.prisma.profile.findUnique({ where: { userId } });
      if (!row || row.deactivatedAt) throw profileNotFound(userId);
      return toProfileMessage(row);
    });
    return value;
  }

  /** Applies `changes` made by `actorId` and announces them; returns the new profile. */
  async update(userId: string, changes: ProfileChanges, actorId: string): Promise<Profile> {
    const now = new Date();
    const row = await this.prisma.$transaction(async (tx) => {
      const updated = await tx.profile.updateManyAndReturn({
        where: { userId, deactivatedAt: null },
        data: {
          displayName: changes.display_name,
          bio: changes.bio,
          avatarUrl: changes.avatar_url,
          locale: changes.locale,
          timeZone: changes.time_zone,
          updatedAt: now,
        },
      });
      if (!updated[0]) throw profileNotFound(userId);
      await this.outbox.add(
        tx,
        ProfileUpdatedSchema,
        { userId, updateMask: { paths: Object.keys(changes) }, actorId, updateTime: timestampFromDate(now) },
        { subject: userId, actorId, time: now },
      );
      return updated[0];
    });
    await this.cache.invalidate(userId);
    return toProfileMessage(row);
  }

  /** Drops the cached copy of `userId`'s profile. */
  invalidate(userId: string): Promise<void> {
    return this.cache.invalidate(userId);
  }
}

/** A database row as the Profile message. */
export function toProfileMessage(row: ProfileRow): Profile {
  return create(ProfileSchema, {
    userId: row.userId,
    email: row.email,
    emailVerified: row.emailVerified,
    displayName: row.displayName,
    bio: row.bio,
    avatarUrl: row.avatarUrl,
    locale: row.locale,
    timeZone: row.timeZone,
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
  });
}

/** NOT_FOUND (PROFILE_NOT_FOUND) for `userId`. */
export function profileNotFound(userId: string) {
  return domainError(Code.NotFound, "PROFILE_NOT_FOUND", "no profile for this user", { user_id: userId });
}
