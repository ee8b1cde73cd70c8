import Foundation
import Hummingbird
import Synchronization

/// Request counts and latency histograms per route, in Prometheus' text format. One instance per
/// application, passed in; nothing global.
public final class RequestMetrics: Sendable {
    struct Key: Hashable {
        var method: String
        var route: String
        var status: Int
    }
    struct Series {
        var count = 0
        var sum = 0.0
        var buckets: [Int]
    }

    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    private let series = Mutex<[Key: Series]>([:])
    private let started = Date()

    public init() {}

    func record(method: String, route: String, status: Int, seconds: Double) {
        let key = Key(method: method, route: route, status: status)
        series.withLock { all in
            var s = all[key] ?? Series(buckets: Array(repeating: 0, count: Self.bounds.count))
            s.count += 1
            s.sum += seconds
            for (i, bound) in Self.bounds.enumerated() where seconds <= bound { s.buckets[i] += 1 }
            all[key] = s
        }
    }

    public func render() -> String {
        let snapshot = series.withLock { $0 }
        let keys = snapshot.keys.sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
        func labels(_ k: Key) -> String {
            "method=\"\(k.method)\",route=\"\(escape(k.route))\",status=\"\(k.status)\""
        }
        var out = "# HELP agora_http_requests_total HTTP requests answered, by route and status.\n"
        out += "# TYPE agora_http_requests_total counter\n"
        for k in keys { out += "agora_http_requests_total{\(labels(k))} \(snapshot[k]!.count)\n" }
        out += "# HELP agora_http_request_duration_seconds Time to answer HTTP requests.\n"
        out += "# TYPE agora_http_request_duration_seconds histogram\n"
        for k in keys {
            let s = snapshot[k]!
            for (i, bound) in Self.bounds.enumerated() {
                out += "agora_http_request_duration_seconds_bucket{\(labels(k)),le=\"\(bound)\"} \(s.buckets[i])\n"
            }
            out += "agora_http_request_duration_seconds_bucket{\(labels(k)),le=\"+Inf\"} \(s.count)\n"
            out += "agora_http_request_duration_seconds_sum{\(labels(k))} \(s.sum)\n"
            out += "agora_http_request_duration_seconds_count{\(labels(k))} \(s.count)\n"
        }
        out += "# HELP agora_uptime_seconds Seconds since this server started.\n"
        out += "# TYPE agora_uptime_seconds gauge\n"
        out += "agora_uptime_seconds \(Date().timeIntervalSince(started))\n"
        return out
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Times every request and records it under its route pattern (not the raw path, which would let
/// clients create unbounded series).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AgoraRequestContext
    let metrics: RequestMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.record(
            method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: response.status.code,
            seconds: seconds)
        return response
    }
}
