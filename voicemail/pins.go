package voicemail

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/store"
)

// PINs are kept hashed (PBKDF2-SHA256, a salt per hash) in bucket "voicemail_pins", never
// logged. Which PIN wins: the routing file's PIN is derived into a hash at load; a PIN
// changed from the phone replaces it and persists across restarts and reloads, until the
// file's PIN for that box changes (the admin's new PIN then wins again). The row keeps a
// hash of the file's PIN it was derived from, to tell.
const bucketPINs = "voicemail_pins"

type pinRow struct {
	Hash     hash `json:"hash"`      // the PIN that logs in
	FileHash hash `json:"file_hash"` // the routing file's PIN the row was last derived from
	Changed  bool `json:"changed"`   // Hash was set from the phone
}

type hash struct {
	Salt []byte `json:"salt"`
	Key  []byte `json:"key"`
}

const pinIterations = 4096

func newHash(pin string) (hash, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return hash{}, err
	}
	key, err := pbkdf2.Key(sha256.New, pin, salt, pinIterations, 32)
	return hash{Salt: salt, Key: key}, err
}

func (h hash) matches(pin string) bool {
	if len(h.Salt) == 0 {
		return false
	}
	key, err := pbkdf2.Key(sha256.New, pin, h.Salt, pinIterations, 32)
	return err == nil && subtle.ConstantTimeCompare(key, h.Key) == 1
}

// syncPINs derives each box's hash from the file's PIN, unless the phone changed it since
// the file's PIN last changed.
func (s *Service) syncPINs(boxes map[string]config.Box) error {
	for number, b := range boxes {
		var row pinRow
		err := s.deps.DB.GetJSON(bucketPINs, number, &row)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && row.FileHash.matches(b.PIN) {
			continue // the file's PIN is the one the row knows: keep the row (a phone change wins)
		}
		h, err := newHash(b.PIN)
		if err != nil {
			return err
		}
		if err := s.deps.DB.PutJSON(bucketPINs, number, pinRow{Hash: h, FileHash: h}); err != nil {
			return err
		}
	}
	return nil
}

// checkPIN reports whether pin opens box.
func (s *Service) checkPIN(box, pin string) bool {
	var row pinRow
	if s.deps.DB.GetJSON(bucketPINs, box, &row) != nil {
		return false
	}
	return row.Hash.matches(pin)
}

// SetPIN changes a box's PIN (from the phone); it wins over the file until the file's PIN
// changes.
func (s *Service) SetPIN(box, pin string) error {
	var row pinRow
	if err := s.deps.DB.GetJSON(bucketPINs, box, &row); err != nil {
		return err
	}
	h, err := newHash(pin)
	if err != nil {
		return err
	}
	row.Hash, row.Changed = h, true
	return s.deps.DB.PutJSON(bucketPINs, box, row)
}

// Failed logins are counted per caller number and box in bucket "voicemail_logins", so a
// guesser is slowed down across calls: after MaxLogins failures in a row, each further
// attempt waits 1 s, 2 s, 4 s ... (at most 64 s) before its PIN is checked, whatever the
// time spent redialing. The count is forgotten after loginMemory without a failure, and a
// right PIN clears it. The wait is the guessing call's own: other calls are not held.
const bucketLogins = "voicemail_logins"

const loginMemory = 15 * time.Minute

type loginRow struct {
	Failures int       `json:"failures"`
	Last     time.Time `json:"last"`
}

func loginKey(caller, box string) string { return caller + "|" + box }

// loginWait is how long caller must wait before a PIN for box is checked.
func (s *Service) loginWait(caller, box string, free int) time.Duration {
	var row loginRow
	if s.deps.DB.GetJSON(bucketLogins, loginKey(caller, box), &row) != nil || row.Failures < free ||
		s.deps.Now().Sub(row.Last) > loginMemory {
		return 0
	}
	return time.Second << min(row.Failures-free, 6)
}

func (s *Service) loginFailed(caller, box string) {
	var row loginRow
	if s.deps.DB.GetJSON(bucketLogins, loginKey(caller, box), &row) == nil && s.deps.Now().Sub(row.Last) > loginMemory {
		row = loginRow{}
	}
	row.Failures++
	row.Last = s.deps.Now()
	if err := s.deps.DB.PutJSON(bucketLogins, loginKey(caller, box), row); err != nil {
		s.deps.Logger.Warn().Err(err).Msg("voicemail: count a failed login")
	}
}

func (s *Service) loginOK(caller, box string) {
	if err := s.deps.DB.Delete(bucketLogins, loginKey(caller, box)); err != nil {
		s.deps.Logger.Warn().Err(err).Msg("voicemail: clear failed logins")
	}
}
