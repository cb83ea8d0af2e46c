// Package store is ariflow's embedded database: one bbolt file holding the state that must
// survive a restart (absence mode, its audit trail, and later voicemail and the queue log).
// Each owner keeps its records in its own bucket; values are the owner's JSON.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNotFound is returned by Get when a key has no value.
var ErrNotFound = errors.New("store: not found")

// DB is an open database. It is safe for concurrent use.
type DB struct {
	bolt *bolt.DB
	path string
}

// Open opens (or creates) the database file at path. A second process opening the same
// file waits up to a few seconds, then fails, rather than blocking forever.
func Open(path string) (*DB, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 3 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &DB{bolt: b, path: path}, nil
}

// OpenReadOnly opens an existing database file for reading only: it never creates the
// file, and it fails within a second while another process (ariflow serve) holds it.
func OpenReadOnly(path string) (*DB, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &DB{bolt: b, path: path}, nil
}

// Path is the file the database lives in.
func (db *DB) Path() string { return db.path }

// Close closes the database file.
func (db *DB) Close() error { return db.bolt.Close() }

// PutJSON stores v as JSON under bucket/key, durably (fsync before it returns).
func (db *DB) PutJSON(bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s/%s: %w", bucket, key, err)
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), data)
	})
}

// GetJSON decodes the value under bucket/key into v, or returns ErrNotFound.
func (db *DB) GetJSON(bucket, key string, v any) error {
	var data []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return ErrNotFound
		}
		raw := b.Get([]byte(key))
		if raw == nil {
			return ErrNotFound
		}
		data = append([]byte(nil), raw...)
		return nil
	})
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// Delete removes bucket/key; removing a missing key is not an error.
func (db *DB) Delete(bucket, key string) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		return b.Delete([]byte(key))
	})
}

// ForEach calls fn for every key of bucket in key order, with the raw JSON value.
// The value is only valid during the call.
func (db *DB) ForEach(bucket string, fn func(key string, value []byte) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error { return fn(string(k), v) })
	})
}

// Append stores v as JSON under a new, increasing key of bucket (a log), and returns the key.
func (db *DB) Append(bucket string, v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("store: encode %s entry: %w", bucket, err)
	}
	var key string
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		key, err = appendTo(tx, bucket, data)
		return err
	})
	return key, err
}

// PutAndAppend stores v as JSON under bucket/key and appends it to the log bucket, in one
// transaction: both are stored, durably, or neither.
func (db *DB) PutAndAppend(bucket, key string, v any, log string) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s/%s: %w", bucket, key, err)
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		if err := b.Put([]byte(key), data); err != nil {
			return err
		}
		_, err = appendTo(tx, log, data)
		return err
	})
}

// appendTo puts data under the next key of bucket and returns that key.
func appendTo(tx *bolt.Tx, bucket string, data []byte) (string, error) {
	b, err := tx.CreateBucketIfNotExists([]byte(bucket))
	if err != nil {
		return "", err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return "", err
	}
	key := fmt.Sprintf("%016d", seq)
	return key, b.Put([]byte(key), data)
}
