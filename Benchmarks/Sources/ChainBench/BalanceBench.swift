import BenchSupport
import Foundation
import HTTP1
import HTTPClient
import JSON
import WireModels

/// `balances`: `GET /rpc/getBalance/{address}` latency over keep-alive HTTP on a node whose
/// state holds the filler accounts of `setup --fillers N`: C connections, each asking for
/// random filler addresses one request at a time; every answer's balance is checked.
enum BalanceBench {
    static func run(_ options: Options) async {
        let base = "http://127.0.0.1:\(options.int("port", default: 8080))"
        let fillers = options.int("fillers", default: 1_000_000)
        let requests = options.int("requests", default: 50_000)
        let connections = options.int("connections", default: 4)
        let warmup = options.int("warmup", default: 2_000)
        let nodePID = options.string("pid").flatMap { Int32($0) }
        let http = HTTPClient(configuration: HTTPClientConfiguration(maxConnectionsPerHost: connections + 1))
        let parser = JSONParser(limits: .init(maxInputBytes: 1 << 20))
        // Addresses made before timing (bech32 encoding is the client's cost, not the node's).
        let picks = parallelMap(0..<(requests + warmup)) { _ in Int.random(in: 0..<fillers) }
        let paths = parallelMap(0..<picks.count) { "/rpc/getBalance/" + BenchKeys.fillerAddress(picks[$0]).rawValue }

        func phase(_ range: Range<Int>) async -> (latencies: [Double], problems: [String]) {
            await withTaskGroup(of: ([Double], [String]).self) { group in
                for c in 0..<connections {
                    group.addTask {
                        var latencies: [Double] = []
                        var problems: [String] = []
                        for index in stride(from: range.lowerBound + c, to: range.upperBound, by: connections) {
                            let started = Bench.now()
                            let response = try? await http.execute(HTTPClientRequest(method: .get, url: base + paths[index]))
                            latencies.append(Bench.now() - started)
                            guard let response, response.status.code == 200, let json = try? parser.parse(response.body),
                                json["balance"]?.int64Value == Int64(BenchKeys.fillerBalance(picks[index]))
                            else {
                                if problems.count < 10 { problems.append("\(paths[index]): \(response.map { "\($0.status.code) \($0.text.prefix(200))" } ?? "no answer")") }
                                continue
                            }
                        }
                        return (latencies, problems)
                    }
                }
                var latencies: [Double] = []
                var problems: [String] = []
                for await (part, partProblems) in group {
                    latencies += part
                    problems += partProblems
                }
                return (latencies, problems)
            }
        }
        _ = await phase(0..<warmup)
        let nodeCPUStart = nodePID.flatMap(Bench.cpuSeconds(pid:))
        let started = Bench.now()
        let (latencies, problems) = await phase(warmup..<(warmup + requests))
        let elapsed = Bench.now() - started
        let nodeCPU = nodePID.flatMap(Bench.cpuSeconds(pid:)).map { $0 - (nodeCPUStart ?? 0) }
        let sorted = latencies.sorted()
        func ms(_ value: Double) -> String { Stats.format(value * 1_000, 3) + " ms" }
        print("getBalance: \(requests) requests (after \(warmup) warm-up) for random addresses among \(Stats.grouped(Double(fillers))) filler accounts, \(connections) keep-alive connections, \(Stats.grouped(Double(requests) / elapsed)) req/s" + (nodeCPU.map { ", node CPU \(Stats.format($0 / Double(requests) * 1e6, 1)) µs/request" } ?? ""))
        print("")
        print("| getBalance | p50 | p90 | p99 | p99.9 | max |")
        print("|---|---|---|---|---|---|")
        print("| latency | \(ms(Stats.quantile(sorted, 0.5))) | \(ms(Stats.quantile(sorted, 0.9))) | **\(ms(Stats.quantile(sorted, 0.99)))** | \(ms(Stats.quantile(sorted, 0.999))) | \(ms(sorted.last ?? .nan)) |")
        print("")
        if problems.isEmpty {
            print("OK: every answer 200 with the filler's balance")
        } else {
            for problem in problems { print("PROBLEM: \(problem)") }
            exit(1)
        }
    }
}
