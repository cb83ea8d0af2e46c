package voicemail

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/rs/zerolog"

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

// Failed logins are counted per box, whoever calls and from whatever number, in bucket
// "voicemail_logins" (so the count and a lock-out survive a restart). After MaxLogins
// failures, each further attempt on the box waits 1 s, 2 s, 4 s ... (at most 64 s) before
// its PIN is checked, whatever the time spent redialing. Every lockAfter-th failure locks
// the box's phone login: for lockFor after the 10th failure, twice as long after the 20th,
// and so on (at most 32 times as long, 8 h); a caller to a locked box hears the apology and
// is let go, right PIN or not. The count is forgotten after loginMemory without a failure
// (counted from the end of a lock-out), and a right PIN clears it. A box's attempts are
// checked one at a time (loginTurn): parallel calls wait in turn, so guessing from many
// lines is no faster than from one, and no failure is lost.
const bucketLogins = "voicemail_logins"

const (
	loginMemory = 15 * time.Minute
	lockAfter   = 10
	lockFor     = 15 * time.Minute
)

type loginRow struct {
	Failures int       `json:"failures"`
	Last     time.Time `json:"last"`
	Until    time.Time `json:"locked_until,omitzero"` // the box's phone login is locked until then
}

// loginState is box's count as of now: a zero row once it is forgotten.
func (s *Service) loginState(box string) loginRow {
	var row loginRow
	if s.deps.DB.GetJSON(bucketLogins, box, &row) != nil {
		return loginRow{}
	}
	if now := s.deps.Now(); now.Sub(row.Last) > loginMemory && now.Sub(row.Until) > loginMemory {
		return loginRow{}
	}
	return row
}

// lockedUntil is when the lock-out of box's phone login ends; zero when it is not locked.
func (s *Service) lockedUntil(box string) time.Time {
	if until := s.loginState(box).Until; s.deps.Now().Before(until) {
		return until
	}
	return time.Time{}
}

// loginWait is how long an attempt on box waits before its PIN is checked, after free
// failures that cost nothing.
func (s *Service) loginWait(box string, free int) time.Duration {
	row := s.loginState(box)
	if row.Failures < free {
		return 0
	}
	return time.Second << min(row.Failures-free, 6)
}

// loginFailed counts a wrong PIN for box, locking its phone login at every lockAfter-th.
// Callers hold the box's turn (loginTurn).
func (s *Service) loginFailed(box string) {
	row := s.loginState(box)
	row.Failures++
	row.Last = s.deps.Now()
	if row.Failures%lockAfter == 0 {
		row.Until = row.Last.Add(lockFor << min(row.Failures/lockAfter-1, 5))
		s.deps.Logger.Warn().Str("box", box).Int("failures", row.Failures).Time("until", row.Until).
			Msg("voicemail: too many failed logins; the box's phone login is locked")
	}
	if err := s.deps.DB.PutJSON(bucketLogins, box, row); err != nil {
		s.deps.Logger.Warn().Err(err).Msg("voicemail: count a failed login")
	}
}

func (s *Service) loginOK(box string) {
	if err := s.deps.DB.Delete(bucketLogins, box); err != nil {
		s.deps.Logger.Warn().Err(err).Msg("voicemail: clear failed logins")
	}
}

// loginTurn waits for box's turn to check a PIN, one attempt at a time per box; release
// ends the turn.
func (s *Service) loginTurn(ctx context.Context, box string) (release func(), err error) {
	g, _ := s.loginGates.LoadOrStore(box, make(chan struct{}, 1))
	gate := g.(chan struct{})
	select {
	case gate <- struct{}{}:
		return func() { <-gate }, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// errLocked is an attempt on a box whose phone login is locked.
var errLocked = errors.New("voicemail: the box's phone login is locked")

// tryPIN is one login attempt on box, in the box's turn: the back-off wait, then the PIN
// checked unless the box is locked (errLocked). A wrong PIN is counted, a right one clears
// the count. A box the routing file does not have never opens and counts nothing.
func (s *Service) tryPIN(ctx context.Context, log *zerolog.Logger, box, pin string, free int) (bool, error) {
	if _, known := s.box(box); !known {
		return false, nil
	}
	release, err := s.loginTurn(ctx, box)
	if err != nil {
		return false, err
	}
	defer release()
	if !s.lockedUntil(box).IsZero() { // failures are counted in the turn: no lock comes during the wait
		return false, errLocked
	}
	if wait := s.loginWait(box, free); wait > 0 {
		log.Warn().Str("box", box).Str("wait", wait.String()).Msg("voicemail: repeated failed logins; slowing down")
		if err := s.sleep(ctx, wait); err != nil {
			return false, err
		}
	}
	if !s.checkPIN(box, pin) {
		s.loginFailed(box)
		return false, nil
	}
	s.loginOK(box)
	return true, nil
}

// sleepCtx waits d, or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
