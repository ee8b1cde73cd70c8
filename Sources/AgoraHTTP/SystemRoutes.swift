import AgoraStore
import Hummingbird

/// Health, metrics and the API description.
struct SystemRoutes {
    let store: any Store
    let metrics: RequestMetrics

    func addRoutes(to routes: inout RouteTable, openAPI: @escaping @Sendable () -> String) {
        routes.get("/health") { _, _ in
            do {
                let seq = try await store.headSeq()
                return Reply.json("{\"status\":\"ok\",\"store\":\"ok\",\"change_seq\":\(seq)}")
            } catch {
                return Reply.json("{\"status\":\"unavailable\",\"store\":\"unreachable\"}", status: .serviceUnavailable)
            }
        }
        routes.get("/metrics") { _, _ in
            Reply.text(metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        routes.get("/api/v1/openapi.json") { _, _ in Reply.json(openAPI()) }
    }
}
