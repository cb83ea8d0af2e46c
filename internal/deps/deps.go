// Package deps pins modules the project is about to use; removed once real code imports them.
package deps

import (
	_ "github.com/coder/websocket"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/rickar/cal/v2"
	_ "github.com/rickar/cal/v2/fr"
	_ "github.com/rs/zerolog"
	_ "go.etcd.io/bbolt"
	_ "gopkg.in/yaml.v3"
)
