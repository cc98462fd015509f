<?php
/**
 * Checks what otherwise only a browser would notice: the client bundle is where ResourceLoader
 * looks for it, ingest accepts the wiki's secret, and the edges answer. One line per check, a
 * clear message for each failure, and exit status 1 when any failed.
 *
 *   php extensions/Wikicast/maintenance/checkWikicast.php
 *
 * (MW_INSTALL_PATH names MediaWiki's folder when the extension lives elsewhere.)
 */

use MediaWiki\Extension\Wikicast\ClientModule;
use MediaWiki\Extension\Wikicast\IngestClient;
use MediaWiki\Extension\Wikicast\Settings;
use MediaWiki\MediaWikiServices;

$IP = getenv( 'MW_INSTALL_PATH' );
if ( $IP === false ) {
	$IP = __DIR__ . '/../../..';
}
require_once "$IP/maintenance/Maintenance.php";

class CheckWikicast extends Maintenance {
	/** Seconds the edges may take to answer /readyz. */
	private const EDGE_TIMEOUT_S = 5;

	public function __construct() {
		parent::__construct();
		$this->requireExtension( 'Wikicast' );
		$this->addDescription( 'Checks the Wikicast client bundle, the wiki\'s secret against ingest and the edges\' /readyz' );
	}

	public function execute() {
		$services = MediaWikiServices::getInstance();
		/** @var Settings $settings */
		$settings = $services->getService( 'Wikicast.Settings' );
		if ( !$settings->isEnabled() ) {
			$this->fatalError( 'FAIL configuration: $wgWikicastSecret or $wgWikicastIngestUrl is empty, so the extension sends nothing and loads no client' );
		}
		$failures = 0;
		foreach ( [ 'checkBundle', 'checkSecret', 'checkEdges' ] as $check ) {
			$problem = $this->$check( $services, $settings );
			if ( $problem !== null ) {
				$failures++;
				$this->error( "FAIL $problem" );
			}
		}
		if ( $failures > 0 ) {
			$this->fatalError( "$failures of 3 checks failed" );
		}
		$this->output( "All 3 checks passed\n" );
	}

	/** @return string|null what is wrong, or null when the check passed */
	private function checkBundle( MediaWikiServices $services, Settings $settings ): ?string {
		$config = $services->getMainConfig();
		$path = ClientModule::bundlePath( $config );
		if ( $path === null ) {
			return 'client bundle: wikicast.js is not in ' . implode( ', ', ClientModule::candidates( $config ) ) .
				'; pages would get no webSocket. Unpack a release (it carries resources/lib/wikicast.js) or set $wgWikicastClientScript';
		}
		$this->output( "ok   client bundle: $path\n" );
		return null;
	}

	private function checkSecret( MediaWikiServices $services, Settings $settings ): ?string {
		/** @var IngestClient $ingest */
		$ingest = $services->getService( 'Wikicast.IngestClient' );
		$result = $ingest->probe();
		$where = $settings->ingestUrl . IngestClient::EVENTS_PATH;
		if ( $result->unauthorized ) {
			return "secret: ingest ($where) refuses the wiki's secret (401: " . ( $result->body['message'] ?? $result->error ) . ')' .
				'; make $wgWikicastSecret (and $wgWikicastSecretKeyId) match the wiki\'s entry "' . $settings->wikiId . '" in the wikis file';
		}
		if ( $result->status === 400 && ( $result->body['code'] ?? null ) === 'invalid_event' ) {
			$this->output( "ok   secret: ingest ($where) accepted the wiki's token for \"{$settings->wikiId}\"\n" );
			return null;
		}
		if ( $result->status === 0 ) {
			return "secret: ingest ($where) could not be reached ({$result->error}); check \$wgWikicastIngestUrl";
		}
		return "secret: ingest ($where) answered {$result->status} " . json_encode( $result->body ) . ', not the refusal of an empty batch; is $wgWikicastIngestUrl Wikicast\'s ingest?';
	}

	private function checkEdges( MediaWikiServices $services, Settings $settings ): ?string {
		$url = self::readyzUrl( $settings->edgeUrl );
		if ( $url === null ) {
			return "edges: \$wgWikicastEdgeUrl ({$settings->edgeUrl}) is not an http(s):// or ws(s):// URL";
		}
		$request = $services->getHttpRequestFactory()->create( $url, [
			'method' => 'GET', 'timeout' => self::EDGE_TIMEOUT_S, 'connectTimeout' => self::EDGE_TIMEOUT_S,
		], __METHOD__ );
		$status = $request->execute();
		$code = (int)$request->getStatus();
		if ( $code === 200 ) {
			$this->output( "ok   edges: $url answered 200\n" );
			return null;
		}
		$why = $code === 0 ? 'could not be reached: ' . implode( '; ', array_map( static function ( $e ) {
			return is_array( $e ) ? (string)( $e['message'] ?? '' ) : (string)$e;
		}, $status->getErrors() ) ) : "answered $code " . trim( (string)$request->getContent() );
		return "edges: $url $why; browsers connect to \$wgWikicastEdgeUrl ({$settings->edgeUrl}): " .
			'check it (this server may also just not be allowed to reach the public entry)';
	}

	/** `<edge base>/readyz` from the edge URL browsers use (`http(s)://host`, or `ws(s)://host/…/v1/ws`). */
	public static function readyzUrl( string $edgeUrl ): ?string {
		$parts = parse_url( $edgeUrl );
		$schemes = [ 'http' => 'http', 'https' => 'https', 'ws' => 'http', 'wss' => 'https' ];
		if ( !is_array( $parts ) || !isset( $parts['host'], $parts['scheme'], $schemes[strtolower( $parts['scheme'] )] ) ) {
			return null;
		}
		$path = preg_replace( '#/(v1/ws|websocket)$#', '', rtrim( $parts['path'] ?? '', '/' ) );
		$port = isset( $parts['port'] ) ? ':' . $parts['port'] : '';
		return $schemes[strtolower( $parts['scheme'] )] . '://' . $parts['host'] . $port . $path . '/readyz';
	}
}

$maintClass = CheckWikicast::class;
require_once RUN_MAINTENANCE_IF_MAIN;
