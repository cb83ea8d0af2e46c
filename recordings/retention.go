package recordings

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/rs/zerolog"
)

// Expire removes the call recordings under dir/prefix whose call began before cutoff
// (Entry.Start): the audio and its sidecar. Voicemail's files are not call recordings and
// are never touched (List leaves them out). It returns the names removed; a file it could
// not remove is in the error, after the others were tried.
func Expire(dir, prefix string, cutoff time.Time) ([]string, error) {
	entries, err := List(dir, prefix)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		if !e.Start().Before(cutoff) {
			continue
		}
		if err := os.Remove(e.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		if err := os.Remove(Sidecar(dir, e.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		removed = append(removed, e.Name)
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("recordings: expire: %w", errors.Join(errs...))
	}
	return removed, nil
}

// Retention is where the call recordings are and how long they are kept (0: forever).
type Retention struct {
	Dir, Prefix string
	Keep        time.Duration
}

// ExpireEvery runs Expire at once and then every interval until ctx is done, each time
// with what current returns then (a reloaded routing file's retention applies from the
// next run) and the cutoff now()-Keep; it logs what it removed and what it could not.
func ExpireEvery(ctx context.Context, interval time.Duration, current func() Retention, now func() time.Time, log zerolog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if r := current(); r.Keep > 0 && r.Dir != "" {
			removed, err := Expire(r.Dir, r.Prefix, now().Add(-r.Keep))
			if len(removed) > 0 {
				log.Info().Int("removed", len(removed)).Dur("retention", r.Keep).Str("oldest", removed[len(removed)-1]).
					Msg("recordings older than the retention removed")
			}
			if err != nil {
				log.Error().Err(err).Msg("recordings: retention")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
