// Package authz is the API server's second pipeline stage (lab 11):
// may this user do this verb on this resource?
//
//   - rbac.go: the RBAC authorizer. Roles and ClusterRoles list rules
//     (verbs x API groups x resources[/subresources] x resourceNames, or
//     verbs x nonResourceURLs); RoleBindings and ClusterRoleBindings give
//     them to users, groups and service accounts. The system:masters
//     group may do anything. The objects are read through client-go
//     listers (informers against the API server itself, see
//     cmd/skiff/apiserver_pipeline.go), so a new RoleBinding takes effect
//     as soon as the watch delivers it.
//   - rules.go: whether one PolicyRule covers a request.
//   - bootstrap.go: the default roles (cluster-admin, admin, edit, view
//     and the system: roles of skiff's own components) and their
//     bindings, created at start-up.
//   - impersonate.go: Impersonate-User/Group headers (kubectl --as),
//     themselves authorized with the verb "impersonate".
//
// Read rules.go first, then rbac.go.
package authz
