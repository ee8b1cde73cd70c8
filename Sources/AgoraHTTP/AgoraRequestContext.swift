import AgoraPeople
import Hummingbird

/// Per-request state only: who is asking. Long-lived things live in the services the controllers hold.
public struct AgoraRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
    }
}
