// Package authn holds the authenticators of the API server's first
// pipeline stage (lab 10): who sent this request?
//
//   - x509.go: a client certificate signed by the cluster CA; the
//     certificate's CN is the user name, its O entries the groups (the
//     openssl recipe of the course notes makes such a certificate);
//   - tokenfile.go: static bearer tokens from a CSV file
//     (--token-auth-file: token,user,uid,"group1,group2");
//   - serviceaccount.go: signed JWTs for service accounts, with the
//     issuer, audience and kubernetes.io claims Kubernetes uses; a token
//     is refused once its account is deleted;
//   - chain.go: tries them in order, the first success wins; bad
//     credentials are a 401, and so is no credential at all unless
//     anonymous requests are allowed (system:anonymous).
//
// Every stage implements apiserver.Authenticator. Read chain.go first,
// then x509.go and tokenfile.go.
package authn
