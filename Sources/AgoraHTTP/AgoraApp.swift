import AgoraCatalog
import AgoraCore
import AgoraPeople
import AgoraStore
import AgoraTables
import Hummingbird
import Logging

/// Everything a running hub holds, built once and handed to the routes.
public struct AgoraServices: Sendable {
    public let configuration: AgoraConfiguration
    public let store: any Store
    public let blobs: BlobStore
    public let catalog: CatalogService
    public let accounts: AccountService
    public let tables: TableService
    public let metrics: RequestMetrics

    public init(
        configuration: AgoraConfiguration, store: any Store, blobs: BlobStore, tableEngine: any TableEngine,
        clock: any Clock = SystemClock()
    ) {
        self.configuration = configuration
        self.store = store
        self.blobs = blobs
        catalog = CatalogService(store: store, clock: clock)
        accounts = AccountService(store: store, clock: clock)
        tables = TableService(store: store, catalog: catalog, engine: tableEngine, blobs: blobs, clock: clock)
        metrics = RequestMetrics()
    }
}

public enum AgoraApp {
    /// Builds the router with every API surface; returns the routes it registered, for the OpenAPI check.
    public static func buildRouter(_ services: AgoraServices) -> (Router<AgoraRequestContext>, [RouteTable.Entry]) {
        let router = Router(context: AgoraRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: services.metrics))
        router.add(
            middleware: CORSMiddleware(
                allowOrigin: .all,
                allowHeaders: [.accept, .authorization, .contentType, .origin],
                allowMethods: [.get, .head, .post, .put, .patch, .delete, .options],
                exposedHeaders: ["Location", "Content-Disposition", "ETag"], maxAge: .seconds(3600)))
        // Inside CORS, so problem answers carry CORS headers too and browsers can read them.
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: AuthMiddleware(accounts: services.accounts))

        var routes = RouteTable(router: router)
        let catalogRoutes = CatalogRoutes(
            catalog: services.catalog, blobs: services.blobs, configuration: services.configuration, tables: services.tables)
        catalogRoutes.addRoutes(to: &routes)
        TableRoutes(tables: services.tables, blobs: services.blobs).addRoutes(to: &routes)
        CKANRoutes(
            catalog: services.catalog, tables: services.tables, blobs: services.blobs, configuration: services.configuration
        ).addRoutes(to: &routes)
        TablePages(tables: services.tables, siteName: services.configuration.siteName).addRoutes(to: &routes)
        PeopleRoutes(accounts: services.accounts, catalog: services.catalog, configuration: services.configuration)
            .addRoutes(to: &routes)
        PageRoutes(catalog: services.catalog, tables: services.tables, api: catalogRoutes, siteName: services.configuration.siteName)
            .addRoutes(to: &routes)
        DCATRoutes(catalog: services.catalog, siteName: services.configuration.siteName).addRoutes(to: &routes)
        let siteName = services.configuration.siteName
        let openAPI = OpenAPIDocument.json(serverName: siteName)
        SystemRoutes(store: services.store, metrics: services.metrics).addRoutes(to: &routes) { openAPI }
        return (router, routes.entries)
    }

    public static func buildApplication(_ services: AgoraServices, logger: Logger? = nil) -> some ApplicationProtocol {
        let (router, _) = buildRouter(services)
        var logger = logger ?? Logger(label: "agora")
        if logger.logLevel > .info { logger.logLevel = .info }
        return Application(
            router: router,
            configuration: .init(address: .hostname(services.configuration.host, port: services.configuration.port), serverName: "agora"),
            logger: logger)
    }

    /// The paths and methods the OpenAPI document describes.
    public static var documentedRoutes: Set<RouteTable.Entry> {
        Set(OpenAPIDocument.operations.map { RouteTable.Entry(method: $0.method, path: $0.path) })
    }
}
