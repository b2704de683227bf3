package main

import (
	"fmt"

	"github.com/dustin/go-humanize"
)

// byteSize is a flag for an amount of bytes written as people write it: 4GB,
// 500MiB, 10K, or plain bytes. Zero leaves the default of whatever takes it.
type byteSize int64

func (b *byteSize) String() string {
	if *b == 0 {
		return "0"
	}
	return humanize.IBytes(uint64(*b))
}

func (b *byteSize) Set(s string) error {
	n, err := humanize.ParseBytes(s)
	if err != nil || n > 1<<62 {
		return fmt.Errorf("%q is not an amount of bytes (for example 4GB, 500MiB, 10K)", s)
	}
	*b = byteSize(n)
	return nil
}
