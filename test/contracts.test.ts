// The contracts match the design: every public RPC has its REST route, internal RPCs have
// none, and every domain event has a typed message with its subject.
import test from "ava";
import { getOption, hasOption, type DescService } from "@bufbuild/protobuf";
import { http } from "@junction/gen/google/api/annotations_pb";
import { event_subject } from "@junction/gen/junction/common/v1/options_pb";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { file_junction_auth_v1_events } from "@junction/gen/junction/auth/v1/events_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { file_junction_users_v1_events } from "@junction/gen/junction/users/v1/events_pb";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { file_junction_orgs_v1_events } from "@junction/gen/junction/orgs/v1/events_pb";
import { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { file_junction_notifications_v1_events } from "@junction/gen/junction/notifications/v1/events_pb";
import { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import { allowsAnonymous } from "@junction/platform";

type Route = [verb: "get" | "post" | "patch" | "delete", path: string, body?: string];

// The design's Public API table, verbatim.
const publicApi: Array<[DescService, Record<string, Route | "stream">]> = [
  [
    AuthService,
    {
      Register: ["post", "/v1/auth/register", "*"],
      Login: ["post", "/v1/auth/login", "*"],
      Refresh: ["post", "/v1/auth/refresh", "*"],
      Logout: ["post", "/v1/auth/logout", "*"],
      VerifyEmail: ["post", "/v1/auth/verify-email", "*"],
      RequestPasswordReset: ["post", "/v1/auth/password-reset", "*"],
      ResetPassword: ["post", "/v1/auth/password-reset/confirm", "*"],
      GetJwks: ["get", "/.well-known/jwks.json"],
    },
  ],
  [
    UsersService,
    {
      GetMe: ["get", "/v1/me"],
      GetProfile: ["get", "/v1/users/{user_id}/profile"],
      UpdateProfile: ["patch", "/v1/users/{user_id}/profile", "profile"],
    },
  ],
  [
    OrgsService,
    {
      CreateOrganization: ["post", "/v1/orgs", "*"],
      GetOrganization: ["get", "/v1/orgs/{org_id}"],
      ListMembers: ["get", "/v1/orgs/{org_id}/members"],
      AddMember: ["post", "/v1/orgs/{org_id}/members", "*"],
      RemoveMember: ["delete", "/v1/orgs/{org_id}/members/{user_id}"],
    },
  ],
  [
    NotificationsService,
    {
      ListNotifications: ["get", "/v1/notifications"],
      MarkRead: ["post", "/v1/notifications/{notification_id}:read", "*"],
      WatchNotifications: "stream",
    },
  ],
  [
    AuditService,
    {
      QueryAuditLog: ["get", "/v1/audit/events"],
      VerifyAuditChain: ["post", "/v1/audit:verify", "*"],
    },
  ],
];

for (const [service, routes] of publicApi) {
  test(`${service.typeName} has exactly the design's RPCs, each with its REST route`, (t) => {
    t.deepEqual(service.methods.map((m) => m.name).sort(), Object.keys(routes).sort());
    for (const method of service.methods) {
      const expected = routes[method.name];
      if (expected === "stream") {
        t.is(method.methodKind, "server_streaming", method.name);
        continue;
      }
      t.true(hasOption(method, http), `${method.name} has a google.api.http rule`);
      const rule = getOption(method, http);
      const [verb, path, body = ""] = expected!;
      t.is(rule.pattern.case, verb, method.name);
      t.is(rule.pattern.value, path, method.name);
      t.is(rule.body, body, method.name);
    }
  });
}

test("internal services have no REST route and are named Internal…", (t) => {
  for (const service of [InternalAuthService, InternalOrgsService]) {
    t.true(service.name.startsWith("Internal"));
    for (const method of service.methods) t.false(hasOption(method, http), method.name);
  }
  t.deepEqual(
    InternalAuthService.methods.map((m) => m.name),
    ["GetUserRoles", "SetUserRoles", "DeactivateUser", "LookupUser"],
  );
  t.deepEqual(InternalOrgsService.methods.map((m) => m.name), ["ListUserOrganizations"]);
});

test("every event in the design's service table has a message with its subject", (t) => {
  const subjects = [
    file_junction_auth_v1_events,
    file_junction_users_v1_events,
    file_junction_orgs_v1_events,
    file_junction_notifications_v1_events,
  ].flatMap((file) =>
    file.messages.map((message) => {
      t.true(hasOption(message, event_subject), `${message.typeName} declares its subject`);
      const subject = getOption(message, event_subject);
      t.regex(subject, /^[a-z]+\.[a-z_]+\.[a-z_]+$/, `${message.typeName}: <service>.<aggregate>.<event>`);
      t.is(subject.split(".")[0], file.proto.package.split(".")[1], `${subject} is published by its own service`);
      return subject;
    }),
  );
  t.deepEqual(subjects.sort(), [
    "auth.session.created",
    "auth.user.created",
    "auth.user.deactivated",
    "auth.user.email_verification_requested",
    "auth.user.email_verified",
    "auth.user.password_reset_requested",
    "auth.user.role_changed",
    "notifications.notification.delivered",
    "orgs.member.added",
    "orgs.member.removed",
    "orgs.organization.created",
    "users.profile.updated",
  ]);
});

test("exactly the sign-up, sign-in and key-discovery RPCs allow anonymous callers", (t) => {
  const anonymous = publicApi.flatMap(([service]) => service.methods.filter(allowsAnonymous).map((m) => `${service.name}/${m.name}`));
  t.deepEqual(anonymous.sort(), [
    "AuthService/GetJwks",
    "AuthService/Login",
    "AuthService/Refresh",
    "AuthService/Register",
    "AuthService/RequestPasswordReset",
    "AuthService/ResetPassword",
    "AuthService/VerifyEmail",
  ]);
});
