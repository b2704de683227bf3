package results

import "testing"

// BenchmarkForensics100k is one full run of results.md's forensics: 1,000
// replicates over 100,000 stations (about 200 million exact binomial draws).
func BenchmarkForensics100k(b *testing.B) {
	in := synthetic(100_000, 0, 1)
	b.ResetTimer()
	for range b.N {
		if _, err := Forensics(in, Options{Seed: DefaultSeed}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkForensics10kReplicates100(b *testing.B) {
	in := synthetic(10_000, 0, 1)
	b.ResetTimer()
	for range b.N {
		if _, err := Forensics(in, Options{Seed: DefaultSeed, Replicates: 100}); err != nil {
			b.Fatal(err)
		}
	}
}
