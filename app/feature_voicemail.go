package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/extension"
	"github.com/ariflow/ariflow/voicemail"
)

// Voicemail is the voicemail service as the extension flow and the routing use it: the
// value of Services.Voicemail (NewVoicemail makes it).
type Voicemail struct{ S *voicemail.Service }

// NewVoicemail opens the voicemail of a routing file on the services' database: messages
// under the file's recording directory and prefix, index cards for the lamps in
// app_voicemail's spool, the sibling "voicemail" of the recording directory
// (/var/spool/asterisk/voicemail beside /var/spool/asterisk/recording). Routings built
// with it apply their voicemail settings to it (Configure).
func NewVoicemail(ctx context.Context, f *config.File, s Services) (Voicemail, error) {
	deps := voicemail.Deps{DB: s.DB, Dir: f.Recordings.Directory, Prefix: f.Recordings.Prefix,
		Spool:  filepath.Join(filepath.Dir(filepath.Clean(f.Recordings.Directory)), "voicemail"),
		Format: f.Voicemail.Format, MinDuration: f.Voicemail.MinDuration, Now: s.Now, Logger: s.Logger}
	if n, ok := s.Notices.(voicemail.Notices); ok {
		deps.Notices = n
	}
	svc, err := voicemail.New(ctx, deps)
	if err != nil {
		return Voicemail{}, err
	}
	return Voicemail{S: svc}, svc.Configure(f)
}

// Leave takes a message for the extension flow. The extension.Call it is given is the
// app's *call.Call at run time, which has everything voicemail.Call needs.
func (v Voicemail) Leave(ctx context.Context, c extension.Call, box, reason string) (bool, error) {
	vc, ok := c.(voicemail.Call)
	if !ok {
		return false, fmt.Errorf("voicemail: %T cannot record", c)
	}
	return v.S.Leave(ctx, vc, box, reason)
}

// voicemailService finds the service behind Services.Voicemail, through wrappers that
// have an Unwrap method (the integration tests' spy).
func voicemailService(v extension.Voicemail) *voicemail.Service {
	for v != nil {
		switch x := v.(type) {
		case Voicemail:
			return x.S
		case interface{ Unwrap() extension.Voicemail }:
			v = x.Unwrap()
		default:
			return nil
		}
	}
	return nil
}

// buildVoicemail serves `voicemail: BOX` (leave a message) and `voicemail_main` (the 456
// mailbox menu) with the service of Services.Voicemail, configured with this file.
func buildVoicemail(f *config.File, s Services) (Feature, error) {
	svc := voicemailService(s.Voicemail)
	if svc == nil {
		return func(ctx context.Context, c *call.Call, a config.Action, _ Runner) error {
			return unavailable(ctx, c, a)
		}, nil
	}
	if err := svc.Configure(f); err != nil {
		return nil, err
	}
	return func(ctx context.Context, c *call.Call, a config.Action, _ Runner) error {
		if a.Kind == config.ActVoicemailMain {
			return svc.Main(ctx, c, a.VoicemailMain.Mailbox)
		}
		_, err := svc.Leave(ctx, c, a.Voicemail, "direct")
		if errors.Is(err, call.ErrHangup) {
			return nil
		}
		return err
	}, nil
}
