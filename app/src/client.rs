//! The client every server function uses: the browser's fetch, plus the header that tells
//! the server the call comes from this app (a cross-site form cannot set it).

use bytes::Bytes;
use futures::{Sink, Stream};
use server_fn::client::Client;
use server_fn::client::browser::BrowserClient;
use server_fn::error::FromServerFnError;
use server_fn::request::browser::BrowserRequest;
use server_fn::response::browser::BrowserResponse;
use std::future::Future;

/// Name and value of the header the server requires on every server-function call.
pub const APP_REQUEST_HEADER: &str = "x-backoffice-request";
pub const APP_REQUEST_HEADER_VALUE: &str = "1";

pub struct AppClient;

impl<E, IS, OS> Client<E, IS, OS> for AppClient
where
    E: FromServerFnError,
    IS: FromServerFnError,
    OS: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = BrowserResponse;

    fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        req.headers().append(APP_REQUEST_HEADER, APP_REQUEST_HEADER_VALUE);
        <BrowserClient as Client<E, IS, OS>>::send(req)
    }

    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (impl Stream<Item = Result<Bytes, Bytes>> + Send + 'static, impl Sink<Bytes> + Send + 'static),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, IS, OS>>::spawn(future)
    }
}
