// @junction/roles: admin rights confirmed with auth, for every service that lets an admin act
// on others' data (users, orgs, audit).
export { ADMIN_ROLE, isConfirmedAdmin, requireConfirmedAdmin } from "./admin.js";
export { RoleConfirmation, roleConfirmation, type ConfirmationSource, type ConfirmedRoles, type RolesCache } from "./role-confirmation.js";
