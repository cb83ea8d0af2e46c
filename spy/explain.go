package spy

import (
	"fmt"
	"strings"

	"github.com/ariflow/ariflow/config"
)

// Explain says what caller meets on a spy number in mode, for `ariflow simulate`.
func Explain(f *config.File, caller, mode string) []string {
	if !MaySpy(f.Spy.Allow, caller) {
		return []string{fmt.Sprintf("%s is on no spy rule: play %s, hang up", caller, strings.TrimPrefix(PromptRefused, "sound:"))}
	}
	var whom []string
	for _, r := range f.Spy.Allow {
		if matches(r.Who, caller) {
			whom = append(whom, r.Whom...)
		}
	}
	spy, whisper := Directions(mode)
	return []string{
		fmt.Sprintf("answer; ask for an extension then # (%s); %s may spy on %s", PromptExtension, caller, strings.Join(whom, ", ")),
		fmt.Sprintf("%s: a snoop on the extension's channel (spy %s, whisper %s), bridged with %s", mode, spy, whisper, caller),
		"keys while spying: 4 listen, 5 whisper, 6 barge, * another extension",
	}
}
