package authn

import (
	"crypto/subtle"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// TokenFile holds the static tokens of --token-auth-file, one CSV line
// each: token,user,uid[,"group1,group2"].
type TokenFile struct {
	tokens map[string]*apiserver.User
}

// LoadTokenFile reads a token file; a malformed line is refused with its
// number, and nothing is loaded.
func LoadTokenFile(path string) (*TokenFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read token file: %w", err)
	}
	defer f.Close()
	tf, err := ParseTokens(f)
	if err != nil {
		return nil, fmt.Errorf("token file %s: %w", path, err)
	}
	return tf, nil
}

// ParseTokens parses token CSV.
func ParseTokens(r io.Reader) (*TokenFile, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	tf := &TokenFile{tokens: map[string]*apiserver.User{}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return tf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrTokenFile, err)
		}
		line, _ := cr.FieldPos(0)
		if err := tf.add(rec); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrTokenFile, line, err)
		}
	}
}

func (tf *TokenFile) add(rec []string) error {
	if len(rec) < 3 {
		return fmt.Errorf("%d fields, want at least 3: token,user,uid[,\"group1,group2\"]", len(rec))
	}
	token, name, uid := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2])
	switch {
	case token == "":
		return errors.New("token (field 1) is empty")
	case name == "":
		return errors.New("user (field 2) is empty")
	case tf.tokens[token] != nil:
		return fmt.Errorf("token of user %q is already used by user %q", name, tf.tokens[token].Name)
	}
	u := &apiserver.User{Name: name, UID: uid}
	if len(rec) > 3 {
		for _, g := range strings.Split(rec[3], ",") {
			if g = strings.TrimSpace(g); g != "" {
				u.Groups = append(u.Groups, g)
			}
		}
	}
	tf.tokens[token] = u
	return nil
}

// Len is the number of tokens.
func (tf *TokenFile) Len() int { return len(tf.tokens) }

// AuthenticateToken returns the user of a known token; ok is false for
// any other.
func (tf *TokenFile) AuthenticateToken(token string) (*apiserver.User, bool, error) {
	for t, u := range tf.tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			c := *u
			c.Groups = append([]string(nil), u.Groups...)
			return &c, true, nil
		}
	}
	return nil, false, nil
}

// bearer returns the token of an "Authorization: Bearer ..." header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
