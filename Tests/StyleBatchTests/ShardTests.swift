import StyleBatch
import XCTest

/// --shard I/N and auto: parsing, the scheduler variables, and coverage of the pair list.
final class ShardTests: XCTestCase {
    func shard(_ text: String, _ env: [String: String] = [:]) throws -> Shard { try Shard.parse(text, environment: env) }

    func problem(_ text: String, _ env: [String: String] = [:]) -> String {
        do { _ = try shard(text, env); return "no error" } catch { return (error as? ShardError)?.problem ?? "\(error)" }
    }

    func testExplicitShards() throws {
        XCTAssertEqual(try shard("2/4"), Shard(index: 2, count: 4, source: "given as 2/4"))
        XCTAssertEqual(try shard("0/1").count, 1)
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3", ""] {
            XCTAssertEqual(problem(bad), "takes I/N with 0 ≤ I < N (e.g. 0/4) or auto, not '\(bad)'")
        }
    }

    func testEveryPairExactlyOnceWhateverTheCount() {
        for pairs in [1, 7, 18, 100] {
            for count in [1, 2, 4, 5, 19] {
                var seen = [Int](repeating: 0, count: pairs)
                for index in (0..<count).reversed() {
                    let s = Shard(index: index, count: count, source: "")
                    for k in 0..<pairs where s.contains(pair: k) { seen[k] += 1 }
                }
                XCTAssertEqual(seen, [Int](repeating: 1, count: pairs), "\(pairs) pairs, \(count) shards")
            }
        }
    }

    func testSlurmArray() throws {
        let zeroBased = try shard("auto", ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"])
        XCTAssertEqual(zeroBased, Shard(index: 3, count: 4, source: "SLURM_ARRAY_TASK_ID=3 of SLURM_ARRAY_TASK_COUNT=4"))
        let oneBased = try shard("auto", ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"])
        XCTAssertEqual(oneBased, Shard(index: 0, count: 4, source: "SLURM_ARRAY_TASK_ID=1 − SLURM_ARRAY_TASK_MIN=1 of SLURM_ARRAY_TASK_COUNT=4"))
        let stepped = try shard("auto", ["SLURM_ARRAY_TASK_ID": "14", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_STEP": "2"])
        XCTAssertEqual(stepped.index, 2)
        // One index resubmitted alone: the array has one task, so the count comes from STYLIZE_SHARD_COUNT.
        let resubmitted = try shard("auto", ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_ARRAY_TASK_MIN": "2", "STYLIZE_SHARD_COUNT": "4"])
        XCTAssertEqual(resubmitted, Shard(index: 2, count: 4, source: "SLURM_ARRAY_TASK_ID=2 of STYLIZE_SHARD_COUNT=4"))
        // Second array of a chunked job: indices 0…999 cover shards 1000…1999 of 2000.
        let chunk = try shard("auto", ["SLURM_ARRAY_TASK_ID": "7", "STYLIZE_SHARD_COUNT": "2000", "STYLIZE_SHARD_OFFSET": "1000"])
        XCTAssertEqual(chunk, Shard(index: 1007, count: 2000, source: "SLURM_ARRAY_TASK_ID=7 + STYLIZE_SHARD_OFFSET=1000 of STYLIZE_SHARD_COUNT=2000"))
        XCTAssertEqual(problem("auto", ["SLURM_ARRAY_TASK_ID": "4", "STYLIZE_SHARD_COUNT": "4"]),
                       "shard index 4 (SLURM_ARRAY_TASK_ID=4 of STYLIZE_SHARD_COUNT=4) is not below the shard count 4: number the array's tasks from 0 to 3, or fix STYLIZE_SHARD_COUNT")
        XCTAssertEqual(problem("auto", ["SLURM_ARRAY_TASK_ID": "1"]),
                       "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; set STYLIZE_SHARD_COUNT to the number of shards")
        XCTAssertEqual(problem("auto", ["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "4"]), "SLURM_ARRAY_TASK_ID must be a whole number ≥ 0, not 'x'")
    }

    func testKubernetesIndexedJob() throws {
        XCTAssertEqual(try shard("auto", ["JOB_COMPLETION_INDEX": "5", "STYLIZE_SHARD_COUNT": "8"]),
                       Shard(index: 5, count: 8, source: "JOB_COMPLETION_INDEX=5 of STYLIZE_SHARD_COUNT=8"))
        XCTAssertEqual(problem("auto", ["JOB_COMPLETION_INDEX": "5"]),
                       "JOB_COMPLETION_INDEX is set but STYLIZE_SHARD_COUNT is not: set it in the Job's env to the Job's completions")
        XCTAssertEqual(problem("auto", ["JOB_COMPLETION_INDEX": "0", "STYLIZE_SHARD_COUNT": "0"]), "STYLIZE_SHARD_COUNT must be at least 1")
        XCTAssertEqual(problem("auto"),
                       "found neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); give I/N instead")
    }
}
