import HTTPTypes
import Hummingbird
import StyleCore

/// Every error leaves as {"error": …}: Hummingbird's own (unknown route → 404, etc.) and any
/// unexpected one (500, the only 5xx, and never from client input by design).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as InvalidOption {
            throw APIError(error)
        } catch let error as HTTPError {
            throw APIError(error.status, error.status == .notFound ? "no route \(request.method.rawValue) \(RenderedImage.headerValue(String(request.uri.path.prefix(200)))); see /openapi.json" : (error.body ?? error.status.reasonPhrase), headers: error.headers)
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, error.status.reasonPhrase)
        } catch {
            context.logger.error("unexpected error: \(error)")
            throw APIError(.internalServerError, "internal error: \(error)")
        }
    }
}
