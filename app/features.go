package app

import (
	"context"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
)

// Runner performs another action on the same call: a menu's choice, a queue's fallback.
// It returns when that action is over.
type Runner func(ctx context.Context, a config.Action) error

// Feature serves the calls that actions of its kind send it (a menu, a queue, a room...),
// until the call is over or run hands it on.
type Feature func(ctx context.Context, c *call.Call, a config.Action, run Runner) error

// FeatureBuilder builds a feature for one routing file. It owns its part of the file
// (already validated by config) and the long-lived services it needs.
type FeatureBuilder func(f *config.File, s Services) (Feature, error)

// builders are the features this version has, by the action kind each serves. Actions of
// any other kind are refused at call time (unavailable). Each feature package gets one
// line here and an adapter file (feature_<name>.go) that builds it.
var builders = map[config.ActionKind]FeatureBuilder{
	config.ActMenu:        buildIVR,
	config.ActQueue:       buildQueue,
	config.ActQueueMember: buildQueueMember,
	config.ActRoom:        buildRoom,
	config.ActSpy:         buildSpy,
	config.ActVoicemail:   buildVoicemail, config.ActVoicemailMain: buildVoicemail,
}

// buildFeatures builds every feature for a routing file.
func buildFeatures(f *config.File, s Services) (map[config.ActionKind]Feature, error) {
	out := make(map[config.ActionKind]Feature, len(builders))
	for kind, build := range builders {
		feature, err := build(f, s)
		if err != nil {
			return nil, err
		}
		out[kind] = feature
	}
	return out, nil
}
